// Upload: pick or drop a file (or give a link for the service to import), describe it, watch
// it go up, then watch it being processed.
import { call, sentence } from "../api.js";
import { bytes, Rate, timeLeft } from "../format.js";
import { html, useEffect, useRef, useState } from "../html.js";
import { followVideo } from "../live.js";
import { sniffFile } from "../sniff.js";
import { contentTypeOf, sendFile, UploadCancelled, UploadFailed } from "../upload.js";
import { ErrorLine, Field, Link, StatusBadge, tagsFrom } from "../ui.js";
import { detailsErrors, fileErrors, focusFirstError } from "../validate.js";

const FIELD_ORDER = ["file", "source_url", "title", "description", "tags"];

/** What is wrong with the choice of a file or a link (one of them, not both). */
function sourceErrors(file, link, contentType, container) {
  if (!link) return fileErrors(file, contentType, container);
  if (file) return { source_url: "Choose a file or give a link, not both." };
  if (!/^https?:\/\/\S+$/i.test(link)) {
    return { source_url: "Give the link as http://… or https://…" };
  }
  return {};
}

export function UploadScreen() {
  const [file, setFile] = useState(null);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [tagText, setTagText] = useState("");
  const [link, setLink] = useState("");
  const [visibility, setVisibility] = useState("private");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState("");
  const [transfer, setTransfer] = useState(null); // {loaded, total, speed, left}
  const [video, setVideo] = useState(null);
  const [dragging, setDragging] = useState(false);
  const controller = useRef(null);

  useEffect(() => () => controller.current?.abort(), []);

  function choose(picked) {
    setFile(picked || null);
    setErrors({});
    if (picked && !title.trim()) setTitle(picked.name.replace(/\.[^.]+$/, ""));
  }

  function onDrop(event) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer?.files?.[0];
    if (dropped) choose(dropped);
  }

  async function submit(event) {
    event.preventDefault();
    setFailure("");
    const tags = tagsFrom(tagText);
    const contentType = file ? contentTypeOf(file) : "";
    // Its first bytes are read as the server will read them: a non-video is never sent.
    const container = file && file.size ? await sniffFile(file) : undefined;
    const source = link.trim();
    const found = {
      ...sourceErrors(file, source, contentType, container),
      ...detailsErrors({ title, description, tags }),
    };
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstError(found, FIELD_ORDER);
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    let created = null;
    if (source) {
      try {
        created = await call("POST", "/v1/videos", {
          body: { title: title.trim(), description: description.trim(), tags, visibility,
            source_url: source },
        });
        setVideo(created.video);
      } catch (error) {
        setFailure(sentence(error));
      } finally {
        controller.current = null;
      }
      return;
    }
    try {
      created = await call("POST", "/v1/videos", {
        body: {
          title: title.trim(),
          description: description.trim(),
          tags,
          visibility,
          filename: file.name,
          content_type: contentType,
          size_bytes: file.size,
        },
      });
      const rate = new Rate();
      setTransfer({ loaded: 0, total: file.size, speed: 0, left: Infinity });
      await sendFile(created.video.id, file, created.upload, {
        signal: abort.signal,
        onProgress: (loaded) => {
          rate.sample(loaded);
          setTransfer({
            loaded,
            total: file.size,
            speed: rate.bytesPerSecond(),
            left: rate.secondsLeft(file.size),
          });
        },
      });
      setVideo(created.video);
    } catch (error) {
      setTransfer(null);
      if (error instanceof UploadCancelled) {
        // Said once the unfinished video is gone, so a library opened next never lists it.
        let left = "";
        if (created) {
          await call("DELETE", `/v1/videos/${created.video.id}`).catch((failed) => {
            left = sentence(failed);
          });
        }
        setFailure(
          left
            ? `Upload cancelled, but its unfinished video is still listed: ${left}`
            : "Upload cancelled; nothing was kept.",
        );
      } else {
        setFailure(error instanceof UploadFailed ? error.message : sentence(error));
      }
    } finally {
      controller.current = null;
    }
  }

  function cancel(event) {
    // Distinct keys above keep Preact from turning this very element into the submit button
    // while the click is still being dispatched (which would start the upload again).
    event.preventDefault();
    controller.current?.abort();
  }

  function startOver() {
    setVideo(null);
    setFile(null);
    setTitle("");
    setDescription("");
    setTagText("");
    setLink("");
    setTransfer(null);
  }

  if (video) {
    return html`<${UploadedVideo} initial=${video} transfer=${transfer} onAnother=${startOver} />`;
  }

  const sending = transfer !== null;
  return html`<section class="narrow">
    <h1>Upload a video</h1>
    <form onSubmit=${submit} noValidate aria-describedby="upload-failure">
      <div id="upload-failure"><${ErrorLine} message=${failure} /></div>
      <div
        class=${`dropzone${dragging ? " dragging" : ""}${errors.file ? " invalid" : ""}`}
        onDragOver=${(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave=${() => setDragging(false)}
        onDrop=${onDrop}
      >
        <${Field} id="file" label="Video file" error=${errors.file}
          hint="Choose a file, or drop one here.">
          ${(attrs) => html`<input ...${attrs} type="file" accept="video/*" disabled=${sending}
            onChange=${(e) => choose(e.currentTarget.files[0])} />`}
        </${Field}>
        ${file && html`<p class="picked">${file.name} · ${bytes(file.size)}</p>`}
      </div>
      <${Field} id="source_url" label="Or import from a link" error=${errors.source_url}
        hint="A link to the video file itself; we fetch it for you.">
        ${(attrs) => html`<input ...${attrs} type="url" value=${link} disabled=${sending}
          placeholder="https://…" onInput=${(e) => setLink(e.currentTarget.value)} />`}
      </${Field}>
      <${Field} id="title" label="Title" error=${errors.title}>
        ${(attrs) => html`<input ...${attrs} type="text" maxlength="200" value=${title}
          disabled=${sending} onInput=${(e) => setTitle(e.currentTarget.value)} />`}
      </${Field}>
      <${Field} id="description" label="Description (optional)" error=${errors.description}>
        ${(attrs) => html`<textarea ...${attrs} rows="3" value=${description} disabled=${sending}
          onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>`}
      </${Field}>
      <${Field} id="tags" label="Tags (optional)" error=${errors.tags}
        hint="Separate tags with commas, e.g. travel, cats.">
        ${(attrs) => html`<input ...${attrs} type="text" value=${tagText} disabled=${sending}
          onInput=${(e) => setTagText(e.currentTarget.value)} />`}
      </${Field}>
      <${Field} id="visibility" label="Who can watch it">
        ${(attrs) => html`<select ...${attrs} value=${visibility} disabled=${sending}
          onChange=${(e) => setVisibility(e.currentTarget.value)}>
          <option value="private">Only me (private)</option>
          <option value="unlisted">Anyone with the link (unlisted)</option>
          <option value="public">Everyone (public)</option>
        </select>`}
      </${Field}>
      ${sending && html`<${TransferBar} transfer=${transfer} />`}
      <div class="actions">
        ${sending
          ? html`<button key="cancel" type="button" class="danger" onClick=${cancel}>
              Cancel upload</button>`
          : html`<button key="upload" type="submit">Upload</button>`}
      </div>
    </form>
  </section>`;
}

/** The bar and its numbers: percent, bytes sent, speed, time left. */
function TransferBar({ transfer }) {
  const percent = Math.floor((100 * transfer.loaded) / Math.max(1, transfer.total));
  const numbers = [`${percent} %`, `${bytes(transfer.loaded)} of ${bytes(transfer.total)}`];
  if (transfer.loaded < transfer.total) {
    numbers.push(transfer.speed > 0 ? `${bytes(transfer.speed)}/s` : "measuring speed");
    numbers.push(timeLeft(transfer.left));
  }
  return html`<div class="transfer">
    <progress id="upload-progress" max="100" value=${percent}
      aria-label="Upload progress"></progress>
    <p aria-live="polite" id="upload-numbers">${numbers.join(" · ")}</p>
  </div>`;
}

function UploadedVideo({ initial, transfer, onAnother }) {
  const [video, setVideo] = useState(initial);
  useEffect(() => followVideo(initial.id, (update) => setVideo((v) => ({ ...v, ...update }))), []);
  const rejected = video.status === "rejected";
  const imported = transfer === null; // nothing was sent from here: the service fetches a link
  const done = imported ? "Import requested" : "Uploaded";
  return html`<section class="narrow">
    <h1>${rejected ? "Rejected" : done}</h1>
    ${rejected
      ? html`<p>“${video.title}” cannot be published (the reason is below).</p>`
      : imported
        ? html`<p>“${video.title}” is being fetched from its link.</p>`
        : html`<p>“${video.title}” is uploaded.</p>`}
    ${transfer && html`<${TransferBar} transfer=${transfer} />`}
    <p>Status: <${StatusBadge} video=${video} /></p>
    <p>
      <${Link} href=${`/videos/${video.id}`}>Open the video</${Link}> ·
      <${Link} href="/library">Go to my library</${Link}> ·
      <button type="button" class="link" onClick=${onAnother}>Upload another</button>
    </p>
  </section>`;
}
