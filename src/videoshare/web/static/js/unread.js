// The unread count on "Notifications": notifications newer than the last time this person opened
// the screen, remembered in this browser (localStorage, one key per user), not on the server.
import { call } from "./api.js";

const SEEN_KEY = "videoshare.notifications.seen";
const PAGE = 20;
const SEEN_EVENT = "videoshare:notifications-seen";

function key(userId) {
  return `${SEEN_KEY}.${userId}`;
}

/** The newest notification time (ISO) this user has seen, or "" for none. */
function seenUntil(userId) {
  return localStorage.getItem(key(userId)) || "";
}

/** Remember `items` (newest first) as seen; the header's count drops to zero. */
export function markSeen(userId, items) {
  if (items.length && items[0].created_at > seenUntil(userId)) {
    localStorage.setItem(key(userId), items[0].created_at);
  }
  window.dispatchEvent(new Event(SEEN_EVENT));
}

/** How many of the newest notifications are unread: a number, or "20+" past one page. */
export async function unreadCount(userId) {
  const page = await call("GET", "/v1/notifications", { query: { limit: PAGE } });
  const since = seenUntil(userId);
  const unread = page.items.filter((n) => n.created_at > since).length;
  return unread === page.items.length && page.next_cursor ? `${unread}+` : unread;
}

export function onSeen(listener) {
  window.addEventListener(SEEN_EVENT, listener);
  return () => window.removeEventListener(SEEN_EVENT, listener);
}
