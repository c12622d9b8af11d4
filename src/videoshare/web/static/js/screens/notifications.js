// Notifications: what happened to my videos (ready, rejected, failed).
import { call, sentence } from "../api.js";
import { date } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { ErrorLine, Link } from "../ui.js";

export function NotificationsScreen() {
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [failure, setFailure] = useState("");

  async function load(after) {
    try {
      const page = await call("GET", "/v1/notifications", { query: { cursor: after } });
      setItems((old) => (after && old ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor || null);
    } catch (error) {
      setFailure(sentence(error));
    }
  }

  useEffect(() => {
    load(null);
  }, []);

  return html`<section class="narrow">
    <h1>Notifications</h1>
    <${ErrorLine} message=${failure} />
    ${items === null && !failure && html`<p role="status">Loading…</p>`}
    ${items && !items.length && html`<p>Nothing yet: you will hear here when a video is ready.</p>`}
    <ul class="notifications">
      ${(items || []).map(
        (n) => html`<li key=${n.id} data-type=${n.type}>
          <p>${n.message}</p>
          <p class="meta">${date(n.created_at)} ·
            <${Link} href=${`/videos/${n.video_id}`}>Open the video</${Link}></p>
        </li>`,
      )}
    </ul>
    ${cursor && html`<button type="button" onClick=${() => load(cursor)}>Load more</button>`}
  </section>`;
}
