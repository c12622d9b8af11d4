// The watch page: player, details, download, and for the owner edit and delete.
import { call, currentSession, sentence } from "../api.js";
import { bytes, date, duration, NEVER_PLAYS, TERMINAL, views } from "../format.js";
import { downloadPath, downloadWithToken } from "../download.js";
import { html, useEffect, useState } from "../html.js";
import { followVideo } from "../live.js";
import { navigate } from "../router.js";
import { Player } from "../player.js";
import { ConfirmDialog, ErrorLine, Link, StatusBadge } from "../ui.js";

export function WatchScreen({ id }) {
  const [video, setVideo] = useState(null);
  const [failure, setFailure] = useState("");
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    let stop = () => {};
    setVideo(null);
    setFailure("");
    call("GET", `/v1/videos/${id}`)
      .then((found) => {
        setVideo(found);
        if (!TERMINAL.has(found.status)) {
          let playable = found.playable;
          stop = followVideo(id, async (update) => {
            setVideo((v) => ({ ...v, ...update }));
            // playable while processing, then ready: the Video has the URLs to play and save
            const nowPlayable = update.playable && !playable;
            playable = playable || update.playable;
            if (update.status === "ready" || nowPlayable) {
              setVideo(await call("GET", `/v1/videos/${id}`));
            }
          });
        }
      })
      .catch((error) => setFailure(sentence(error)));
    return () => stop();
  }, [id]);

  async function remove() {
    setConfirming(false);
    try {
      await call("DELETE", `/v1/videos/${id}`);
      navigate("/library", `Deleted “${video.title}”.`);
    } catch (error) {
      setFailure(sentence(error));
    }
  }

  if (failure) return html`<section><h1>Video</h1><${ErrorLine} message=${failure} /></section>`;
  if (!video) return html`<section><p role="status">Loading…</p></section>`;
  const mine = currentSession()?.user_id === video.owner_id;
  return html`<section class="watch">
    ${video.status === "ready" || (video.playable && video.hls_url)
      ? html`<${Player} video=${video} onStart=${() => countView(id)} />`
      : html`<div class="not-ready"><p>This video is not ready to watch:
          <${StatusBadge} video=${video} /></p></div>`}
    ${video.status === "processing" && video.playable &&
    html`<p class="still-processing" role="status">Still processing: you can watch what is
      ready so far; the rest follows as it is made. <${StatusBadge} video=${video} /></p>`}
    <h1>${video.title}</h1>
    ${video.owner_display_name && html`<p class="byline">by ${video.owner_display_name}</p>`}
    <p class="meta">
      ${video.visibility} · ${date(video.created_at)}
      ${video.duration_s ? ` · ${duration(video.duration_s)}` : ""}
      ${video.width ? ` · ${video.width}×${video.height}` : ""}
      ${video.size_bytes ? ` · ${bytes(video.size_bytes)}` : ""}
      ${video.status === "ready" ? html` · <span class="views">${views(video.views)}</span>` : ""}
    </p>
    ${video.description && html`<p class="description">${video.description}</p>`}
    ${video.tags.length > 0 &&
    html`<p class="tags">${video.tags.map(
      (t) => html`<${Link} key=${t} class="tag" href=${`/?tag=${encodeURIComponent(t)}`}>#${t}</${Link}> `,
    )}</p>`}
    ${video.status === "ready" && html`<${Download} video=${video} onError=${setFailure} />`}
    ${video.status === "ready" && html`<${ShareLink} id=${id} visibility=${video.visibility} />`}
    ${mine &&
    html`<div class="actions">
      ${!NEVER_PLAYS.has(video.status) &&
      html`<${Link} class="button" href=${`/videos/${id}/edit`}>Edit details</${Link}>`}
      <button type="button" class="danger" onClick=${() => setConfirming(true)}>Delete</button>
    </div>
    <${ConfirmDialog}
      open=${confirming}
      title="Delete this video?"
      body=${`“${video.title}” and every file of it will be deleted. This cannot be undone.`}
      confirmLabel="Delete for good"
      onConfirm=${remove}
      onCancel=${() => setConfirming(false)}
    />`}
  </section>`;
}

/** Playback started: one view (the server counts a viewer once an hour; a failure is not the
 * person's problem, so it is not shown). */
function countView(id) {
  call("POST", `/v1/videos/${id}/views`).catch(() => {});
}

function Download({ video, onError }) {
  const [rendition, setRendition] = useState("source");
  const [busy, setBusy] = useState(false);
  const href = downloadPath(video.id, rendition);
  const needsToken = video.visibility === "private";

  async function viaToken(event) {
    event.preventDefault();
    setBusy(true);
    try {
      await downloadWithToken(video.id, rendition);
    } catch (error) {
      onError(sentence(error));
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="download" onSubmit=${viaToken}>
    <label for="download-rendition">Download</label>
    <select id="download-rendition" value=${rendition}
      onChange=${(e) => setRendition(e.currentTarget.value)}>
      <option value="source">Original file</option>
      ${video.renditions.map((r) => html`<option value=${r.name}>${r.name} MP4</option>`)}
    </select>
    ${needsToken
      ? html`<button type="submit" disabled=${busy}>${busy ? "Starting…" : "Download"}</button>`
      : html`<a class="button" href=${href} download>Download</a>`}
  </form>`;
}

/** The watch page's address, to copy and send to someone (who sees it if the video allows). */
function ShareLink({ id, visibility }) {
  const url = `${location.origin}/videos/${id}`;
  const [said, setSaid] = useState("");
  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setSaid("Link copied.");
    } catch {
      document.getElementById("share-url")?.select();
      setSaid("Copy the selected link (Ctrl+C or ⌘C).");
    }
  }
  return html`<div class="share">
    <label for="share-url">Share</label>
    <input id="share-url" type="text" readonly value=${url} onFocus=${(e) => e.currentTarget.select()} />
    <button type="button" onClick=${copy}>Copy link</button>
    <span role="status">${said}</span>
    ${visibility === "private" &&
    html`<small class="hint">It is private: only you can watch it at this address.</small>`}
  </div>`;
}
