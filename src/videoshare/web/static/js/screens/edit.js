// Edit a video's title, description, tags and visibility; its captions and poster once ready.
import { call, sentence } from "../api.js";
import { html, useEffect, useState } from "../html.js";
import { navigate } from "../router.js";
import { ErrorLine, Field, Link, tagsFrom } from "../ui.js";
import { CaptionsEditor, PosterChooser } from "./edit_media.js";
import { detailsErrors, focusFirstError } from "../validate.js";

export function EditScreen({ id }) {
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);
  const [video, setVideo] = useState(null);

  const reload = () =>
    call("GET", `/v1/videos/${id}`)
      .then((fresh) => {
        setVideo(fresh);
        return fresh;
      })
      .catch((error) => setFailure(sentence(error)));

  useEffect(() => {
    reload().then(
      (fresh) =>
        fresh &&
        setForm({
          title: fresh.title,
          description: fresh.description || "",
          tagText: fresh.tags.join(", "),
          visibility: fresh.visibility,
        }),
    );
  }, [id]);

  const set = (name) => (event) => setForm({ ...form, [name]: event.currentTarget.value });

  async function submit(event) {
    event.preventDefault();
    const tags = tagsFrom(form.tagText);
    const found = detailsErrors({ ...form, tags });
    setErrors(found);
    setFailure("");
    if (Object.keys(found).length) {
      focusFirstError(found, ["title", "description", "tags"]);
      return;
    }
    setBusy(true);
    try {
      await call("PATCH", `/v1/videos/${id}`, {
        body: {
          title: form.title.trim(),
          description: form.description.trim(),
          tags,
          visibility: form.visibility,
        },
      });
      navigate(`/videos/${id}`, "Saved.");
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setBusy(false);
    }
  }

  if (!form) {
    return html`<section class="narrow"><h1>Edit video</h1>
      ${failure ? html`<${ErrorLine} message=${failure} />` : html`<p role="status">Loading…</p>`}
    </section>`;
  }
  return html`<section class="narrow">
    <h1>Edit video</h1>
    <form onSubmit=${submit} noValidate>
      <${ErrorLine} message=${failure} />
      <${Field} id="title" label="Title" error=${errors.title}>
        ${(attrs) => html`<input ...${attrs} type="text" maxlength="200" value=${form.title}
          onInput=${set("title")} />`}
      </${Field}>
      <${Field} id="description" label="Description" error=${errors.description}>
        ${(attrs) => html`<textarea ...${attrs} rows="4" value=${form.description}
          onInput=${set("description")}></textarea>`}
      </${Field}>
      <${Field} id="tags" label="Tags" error=${errors.tags} hint="Separate tags with commas.">
        ${(attrs) => html`<input ...${attrs} type="text" value=${form.tagText}
          onInput=${set("tagText")} />`}
      </${Field}>
      <${Field} id="visibility" label="Who can watch it">
        ${(attrs) => html`<select ...${attrs} value=${form.visibility} onChange=${set("visibility")}>
          <option value="private">Only me (private)</option>
          <option value="unlisted">Anyone with the link (unlisted)</option>
          <option value="public">Everyone (public)</option>
        </select>`}
      </${Field}>
      <div class="actions">
        <button type="submit" disabled=${busy}>${busy ? "Saving…" : "Save changes"}</button>
        <${Link} href=${`/videos/${id}`}>Cancel</${Link}>
      </div>
    </form>
    ${video?.status === "ready" &&
    html`<${CaptionsEditor} video=${video} onChange=${reload} />
      <${PosterChooser} video=${video} onChange=${reload} />`}
  </section>`;
}
