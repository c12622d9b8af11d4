// The header: the navigation (a "Menu" button folds it away at phone width), who is logged in
// by display name, and the unread count on "Notifications".
import { call, logout, sentence } from "./api.js";
import { html, useEffect, useState } from "./html.js";
import { navigate } from "./router.js";
import { Link } from "./ui.js";
import { onSeen, unreadCount } from "./unread.js";

/** The display name `GET /v1/me` gives (the e-mail address until it has answered, or without). */
function useDisplayName(session) {
  const [name, setName] = useState("");
  const userId = session?.user_id;
  useEffect(() => {
    setName("");
    if (!userId) return;
    call("GET", "/v1/me")
      .then((me) => setName(me.display_name || ""))
      .catch(() => {}); // the e-mail address stays
  }, [userId]);
  return name || session?.email || "";
}

/** The unread count, asked again on each change of screen and when the inbox is opened. */
function useUnread(session, path) {
  const [count, setCount] = useState(0);
  const userId = session?.user_id;
  useEffect(() => {
    if (!userId) return undefined;
    let current = true;
    const update = () =>
      unreadCount(userId)
        .then((n) => current && setCount(n))
        .catch(() => {}); // no count is better than a wrong one
    update();
    const stop = onSeen(update);
    return () => {
      current = false;
      stop();
    };
  }, [userId, path]);
  return userId ? count : 0;
}

export function Header({ session, route, path }) {
  const [failure, setFailure] = useState("");
  const [open, setOpen] = useState(false);
  const who = useDisplayName(session);
  const unread = useUnread(session, path);
  const current = (name) => (route === name ? "page" : undefined);
  useEffect(() => setOpen(false), [path]);

  async function leave() {
    // Leave the page first: a screen that needs a login would otherwise ask for one.
    navigate("/", "You are logged out.");
    try {
      await logout();
    } catch (error) {
      setFailure(sentence(error));
    }
  }
  return html`<header>
    <a class="skip" href="#main">Skip to the content</a>
    <nav aria-label="Main">
      <${Link} class="brand" href="/">videoshare</${Link}>
      <button type="button" class="menu-toggle" aria-expanded=${open ? "true" : "false"}
        aria-controls="main-menu" onClick=${() => setOpen(!open)}>Menu</button>
      <div id="main-menu" class=${`menu${open ? " open" : ""}`}>
        <${Link} href="/" aria-current=${current("feed")}>Explore</${Link}>
        ${session
          ? html`
              <${Link} href="/upload" aria-current=${current("upload")}>Upload</${Link}>
              <${Link} href="/library" aria-current=${current("library")}>My library</${Link}>
              <${Link} href="/notifications" aria-current=${current("notifications")}
                aria-label=${unread ? `Notifications, ${unread} unread` : undefined}>
                Notifications${unread ? html` <span class="unread">${unread}</span>` : ""}</${Link}>
              <${Link} class="who" href="/account" title=${`${session.email}: your account`}
                aria-current=${current("account")}>${who}</${Link}>
              <button type="button" class="link" onClick=${leave}>Log out</button>`
          : html`
              <${Link} href="/login" aria-current=${current("login")}>Log in</${Link}>
              <${Link} href="/register" aria-current=${current("register")}>Register</${Link}>`}
      </div>
    </nav>
    ${failure && html`<p class="error" role="alert">${failure}</p>`}
  </header>`;
}
