// Notifications: what happened to my videos (ready, rejected, failed). Opening the screen marks
// them read (unread.js); a notification about a video deleted since says so instead of linking.
import { call, currentSession, sentence } from "../api.js";
import { date } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { ErrorLine, Link } from "../ui.js";
import { markSeen } from "../unread.js";

export function NotificationsScreen() {
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [failure, setFailure] = useState("");
  const [gone, setGone] = useState(new Set()); // ids of videos that answer 404

  async function load(after) {
    try {
      const page = await call("GET", "/v1/notifications", { query: { cursor: after } });
      setItems((old) => (after && old ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor || null);
      if (!after) markSeen(currentSession()?.user_id, page.items);
      findDeleted(page.items);
    } catch (error) {
      setFailure(sentence(error));
    }
  }

  /** Ask once per video whether it is still there. */
  async function findDeleted(page) {
    const ids = [...new Set(page.map((n) => n.video_id))];
    const missing = await Promise.all(
      ids.map((id) =>
        call("GET", `/v1/videos/${id}`).then(
          () => null,
          (error) => (error.status === 404 ? id : null),
        ),
      ),
    );
    const found = missing.filter(Boolean);
    if (found.length) setGone((old) => new Set([...old, ...found]));
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
            ${gone.has(n.video_id)
              ? html`<span class="deleted">This video was deleted.</span>`
              : html`<${Link} href=${`/videos/${n.video_id}`}>Open the video</${Link}>`}</p>
        </li>`,
      )}
    </ul>
    ${cursor && html`<button type="button" onClick=${() => load(cursor)}>Load more</button>`}
  </section>`;
}
