// Small shared pieces: links, the error line, field errors, the status badge, confirm dialog.
import { html, useEffect, useRef } from "./html.js";
import { onLinkClick } from "./router.js";
import { STATUS_WORDS } from "./format.js";

export function Link({ href, children, ...rest }) {
  return html`<a href=${href} onClick=${onLinkClick} ...${rest}>${children}</a>`;
}

/** A sentence for the person, read out by screen readers when it appears. */
export function ErrorLine({ message }) {
  if (!message) return null;
  return html`<p class="error" role="alert">${message}</p>`;
}

export function Notice({ message }) {
  if (!message) return null;
  return html`<p class="notice" role="status">${message}</p>`;
}

/** A labelled input with its own error, linked with aria-describedby. */
export function Field({ id, label, error, hint, children }) {
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].join(" ").trim();
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<small id=${`${id}-hint`}>${hint}</small>`}
    ${children({ id, "aria-invalid": error ? "true" : undefined, "aria-describedby": described || undefined })}
    ${error && html`<small class="error" id=${`${id}-error`}>${error}</small>`}
  </div>`;
}

// The statuses that carry a percentage while they run: what the badge and its bar say then.
const RUNNING = {
  processing: { word: "processing", label: "Processing progress" },
  awaiting_upload: { word: "importing", label: "Import progress" },
};

export function StatusBadge({ video }) {
  // `progress` is in percent (0 to 100), as the API defines it: the transcode's while
  // processing, the fetch of an imported video's link while it awaits its upload.
  const running = RUNNING[video.status];
  const percent =
    running && typeof video.progress === "number" ? Math.round(video.progress) : null;
  const word = percent !== null ? running.word : STATUS_WORDS[video.status] || video.status;
  return html`<span class="status" data-status=${video.status}>
    <span class="badge badge-${video.status}">${word}${percent !== null ? ` ${percent} %` : ""}</span>
    ${percent !== null &&
    html`<progress max="100" value=${percent} aria-label=${running.label}></progress>`}
    ${video.status_reason &&
    (video.status === "rejected" || video.status === "failed") &&
    html`<span class="reason">${video.status_reason}</span>`}
  </span>`;
}

/** A modal <dialog>: focus stays inside, Escape cancels. */
export function ConfirmDialog({ open, title, body, confirmLabel, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} onCancel=${onCancel} aria-labelledby="confirm-title">
    <h2 id="confirm-title">${title}</h2>
    <p>${body}</p>
    <div class="actions">
      <button type="button" onClick=${onCancel}>Keep it</button>
      <button type="button" class="danger" onClick=${onConfirm}>${confirmLabel}</button>
    </div>
  </dialog>`;
}

export function tagsFrom(text) {
  return [
    ...new Set(
      text
        .split(",")
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}
