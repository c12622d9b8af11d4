// My library: every video of mine with its live status, transcode progress and rejection reason.
import { call, sentence } from "../api.js";
import { bytes, date, duration, NEVER_PLAYS, TERMINAL } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { followVideo } from "../live.js";
import { navigate } from "../router.js";
import { ConfirmDialog, ErrorLine, Link, Notice, StatusBadge } from "../ui.js";

const PAGE = 20;

export function LibraryScreen() {
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [failure, setFailure] = useState("");
  const [notice, setNotice] = useState(null);
  const [loading, setLoading] = useState(true);
  const [doomed, setDoomed] = useState(null);

  async function load(after) {
    setLoading(true);
    setFailure("");
    try {
      const page = await call("GET", "/v1/videos", {
        query: { scope: "mine", limit: PAGE, cursor: after },
      });
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor || null);
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    load(null);
  }, []);

  async function remove(video) {
    setDoomed(null);
    try {
      await call("DELETE", `/v1/videos/${video.id}`);
      setItems((old) => old.filter((v) => v.id !== video.id));
      setNotice(`Deleted “${video.title}”.`);
    } catch (error) {
      setFailure(sentence(error));
    }
  }

  // A video deleted meanwhile (elsewhere, or by a cancelled upload whose delete was still on its
  // way when this page was listed) leaves the list rather than staying on it as "deleted".
  const replace = (fresh) =>
    setItems((old) =>
      fresh.status === "deleted"
        ? old.filter((v) => v.id !== fresh.id)
        : old.map((v) => (v.id === fresh.id ? fresh : v)),
    );

  return html`<section>
    <div class="heading">
      <h1>My library</h1>
      <${Link} class="button" href="/upload">Upload a video</${Link}>
    </div>
    <${Notice} message=${notice} />
    <${ErrorLine} message=${failure} />
    ${!loading && !items.length && !failure &&
    html`<p>No videos yet. <${Link} href="/upload">Upload your first one</${Link}>.</p>`}
    <ul class="library">
      ${items.map(
        (video) => html`<${LibraryItem} key=${video.id} video=${video} onChange=${replace}
          onDelete=${() => setDoomed(video)} />`,
      )}
    </ul>
    ${cursor && html`<button type="button" disabled=${loading} onClick=${() => load(cursor)}>
      ${loading ? "Loading…" : "Load more"}</button>`}
    <${ConfirmDialog}
      open=${doomed !== null}
      title="Delete this video?"
      body=${doomed ? `“${doomed.title}” and every file of it will be deleted. This cannot be undone.` : ""}
      confirmLabel="Delete for good"
      onConfirm=${() => remove(doomed)}
      onCancel=${() => setDoomed(null)}
    />
  </section>`;
}

function LibraryItem({ video, onChange, onDelete }) {
  useEffect(() => {
    if (TERMINAL.has(video.status)) return undefined;
    return followVideo(video.id, async (update) => {
      onChange({ ...video, ...update });
      if (TERMINAL.has(update.status) && update.status !== "deleted") {
        // The stream carries the status; the URLs (poster, renditions) come with the video.
        try {
          onChange(await call("GET", `/v1/videos/${video.id}`));
        } catch {
          // the status is shown already; the poster will appear on the next visit
        }
      }
    });
  }, [video.id, TERMINAL.has(video.status)]);

  return html`<li class="library-item" data-video-id=${video.id}>
    <div class="thumb">
      ${video.poster_url ? html`<img src=${video.poster_url} alt="" loading="lazy" />` : ""}
    </div>
    <div class="about">
      <h2><${Link} href=${`/videos/${video.id}`}>${video.title}</${Link}></h2>
      <p class="meta">
        ${video.visibility} · ${date(video.created_at)}
        ${video.duration_s ? ` · ${duration(video.duration_s)}` : ""}
        ${video.size_bytes ? ` · ${bytes(video.size_bytes)}` : ""}
      </p>
      <p><${StatusBadge} video=${video} /></p>
    </div>
    <div class="actions">
      ${!NEVER_PLAYS.has(video.status) &&
      html`<button type="button" onClick=${() => navigate(`/videos/${video.id}/edit`)}
        aria-label=${`Edit “${video.title}”`}>Edit</button>`}
      <button type="button" class="danger" onClick=${onDelete}
        aria-label=${`Delete “${video.title}”`}>Delete</button>
    </div>
  </li>`;
}
