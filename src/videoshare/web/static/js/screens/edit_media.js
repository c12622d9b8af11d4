// The edit screen's media: captions (add per language, list, remove) and the poster (a
// thumbnail of the storyboard, or an image of one's own). Each change answers at once.
import { call, sentence } from "../api.js";
import { html, useEffect, useState } from "../html.js";
import { ErrorLine, Notice } from "../ui.js";

/** The storyboard's cues: start time and the sprite region each shows. */
export function storyboardCues(vtt, base) {
  const cues = [];
  const blocks = vtt.replace(/\r/g, "").split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split("\n");
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const start = seconds(lines[timing].split("-->")[0].trim());
    const [url, fragment] = lines[timing + 1].trim().split("#xywh=");
    if (!fragment) continue;
    const [x, y, w, h] = fragment.split(",").map(Number);
    cues.push({ start, url: new URL(url, base).href, x, y, w, h });
  }
  return cues;
}

function seconds(stamp) {
  return stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

function clock(s) {
  const whole = Math.floor(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function CaptionsEditor({ video, onChange }) {
  const [language, setLanguage] = useState("");
  const [label, setLabel] = useState("");
  const [file, setFile] = useState(null);
  const [failure, setFailure] = useState("");
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);

  async function add(event) {
    event.preventDefault();
    const form = event.currentTarget; // gone from the event once it has been handled
    setFailure("");
    setNotice("");
    if (!language.trim() || !file) {
      setFailure("Give the language (such as en or pt-BR) and choose a WebVTT or SRT file.");
      return;
    }
    setBusy(true);
    try {
      const caption = await call("PUT", `/v1/videos/${video.id}/captions/${encodeURIComponent(language.trim())}`, {
        file,
        query: { label: label.trim() },
      });
      setNotice(`Captions added: ${caption.label}.`);
      setLanguage("");
      setLabel("");
      form.reset();
      setFile(null);
      onChange();
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setBusy(false);
    }
  }

  async function remove(caption) {
    setFailure("");
    try {
      await call("DELETE", `/v1/videos/${video.id}/captions/${caption.language}`);
      setNotice(`Captions removed: ${caption.label}.`);
      onChange();
    } catch (error) {
      setFailure(sentence(error));
    }
  }

  const captions = video.captions || [];
  return html`<section class="captions" aria-labelledby="captions-title">
    <h2 id="captions-title">Captions</h2>
    <${ErrorLine} message=${failure} />
    <${Notice} message=${notice} />
    ${captions.length
      ? html`<ul class="caption-list">
          ${captions.map(
            (c) => html`<li key=${c.language}>
              <span>${c.label} (${c.language})</span>
              <button type="button" class="link" onClick=${() => remove(c)}
                aria-label=${`Remove captions ${c.label}`}>Remove</button>
            </li>`,
          )}
        </ul>`
      : html`<p>No captions yet.</p>`}
    <form onSubmit=${add} noValidate>
      <div class="field">
        <label for="caption-language">Language</label>
        <small id="caption-language-hint">A language tag, such as en, fr or pt-BR.</small>
        <input id="caption-language" type="text" maxlength="35" value=${language}
          aria-describedby="caption-language-hint"
          onInput=${(e) => setLanguage(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="caption-label">Name in the player (optional)</label>
        <input id="caption-label" type="text" maxlength="64" value=${label}
          onInput=${(e) => setLabel(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="caption-file">WebVTT or SRT file</label>
        <input id="caption-file" type="file" accept=".vtt,.srt,text/vtt"
          onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
      </div>
      <div class="actions">
        <button type="submit" disabled=${busy}>${busy ? "Adding…" : "Add captions"}</button>
      </div>
    </form>
  </section>`;
}

export function PosterChooser({ video, onChange }) {
  const [cues, setCues] = useState([]);
  const [failure, setFailure] = useState("");
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!video.storyboard_url) return;
    fetch(video.storyboard_url)
      .then((answer) => (answer.ok ? answer.text() : ""))
      .then((text) => setCues(storyboardCues(text, video.storyboard_url)))
      .catch(() => setCues([]));
  }, [video.id]);

  async function choose(promise, done) {
    setFailure("");
    setNotice("");
    setBusy(true);
    try {
      await promise();
      setNotice(done);
      onChange();
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setBusy(false);
    }
  }

  const pick = (cue) =>
    choose(
      () => call("POST", `/v1/videos/${video.id}/poster/moment`, { body: { time_s: cue.start } }),
      `Poster set to the moment at ${clock(cue.start)}.`,
    );
  const upload = (event) => {
    const file = event.currentTarget.files[0];
    if (file) choose(() => call("PUT", `/v1/videos/${video.id}/poster`, { file }), "Poster uploaded.");
  };

  return html`<section class="poster" aria-labelledby="poster-title">
    <h2 id="poster-title">Poster</h2>
    <${ErrorLine} message=${failure} />
    <${Notice} message=${notice} />
    ${video.poster_url && html`<img class="current-poster" src=${video.poster_url} alt="The current poster" />`}
    ${cues.length > 0 &&
    html`<p id="storyboard-hint">Pick a moment of the video:</p>
      <div class="storyboard" role="group" aria-describedby="storyboard-hint">
        ${cues.map(
          (cue) => html`<button type="button" class="thumb" disabled=${busy}
            aria-label=${`Use the moment at ${clock(cue.start)} as the poster`}
            onClick=${() => pick(cue)}
            style=${{
              width: `${cue.w}px`,
              height: `${cue.h}px`,
              backgroundImage: `url("${cue.url}")`,
              backgroundPosition: `-${cue.x}px -${cue.y}px`,
            }}></button>`,
        )}
      </div>`}
    <div class="field">
      <label for="poster-file">Or upload an image (JPEG, PNG or WebP)</label>
      <input id="poster-file" type="file" accept="image/jpeg,image/png,image/webp"
        disabled=${busy} onChange=${upload} />
    </div>
  </section>`;
}
