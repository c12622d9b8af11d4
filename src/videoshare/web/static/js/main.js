// The app: a header with the navigation, and the screen the address names.
import { currentSession, onSessionChange } from "./api.js";
import { Header } from "./header.js";
import { html, render, useEffect, useLayoutEffect, useRef, useState } from "./html.js";
import { match, navigate, useLocation } from "./router.js";
import { Link, Notice } from "./ui.js";
import { AccountScreen, ConfirmScreen, ForgotScreen } from "./screens/account.js";
import { LoginScreen, RegisterScreen } from "./screens/auth.js";
import { EditScreen } from "./screens/edit.js";
import { FeedScreen } from "./screens/feed.js";
import { LibraryScreen } from "./screens/library.js";
import { NotificationsScreen } from "./screens/notifications.js";
import { UploadScreen } from "./screens/upload.js";
import { WatchScreen } from "./screens/watch.js";

const NEEDS_LOGIN = new Set(["upload", "library", "notifications", "edit", "account"]);
const TITLES = {
  feed: "Latest videos",
  login: "Log in",
  register: "Create an account",
  forgot: "Forgot your password",
  confirm: "Confirm your address",
  account: "Your account",
  upload: "Upload",
  library: "My library",
  notifications: "Notifications",
  watch: "Watch",
  edit: "Edit video",
  missing: "Page not found",
};

function useSession() {
  const [session, setSession] = useState(currentSession());
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

function Screen({ route, params, search }) {
  switch (route) {
    case "feed":
      return html`<${FeedScreen} search=${search} />`;
    case "login":
      return html`<${LoginScreen} next=${search.get("next")} />`;
    case "register":
      return html`<${RegisterScreen} />`;
    case "forgot":
      return html`<${ForgotScreen} email=${search.get("email")} />`;
    case "confirm":
      return html`<${ConfirmScreen} email=${search.get("email")} />`;
    case "account":
      return html`<${AccountScreen} />`;
    case "upload":
      return html`<${UploadScreen} />`;
    case "library":
      return html`<${LibraryScreen} />`;
    case "notifications":
      return html`<${NotificationsScreen} />`;
    case "watch":
      return html`<${WatchScreen} key=${params.id} id=${params.id} />`;
    case "edit":
      return html`<${EditScreen} key=${params.id} id=${params.id} />`;
    default:
      return html`<section><h1>Page not found</h1>
        <p>There is no page at this address. <${Link} href="/">See the latest videos</${Link}>.</p>
      </section>`;
  }
}

function App() {
  const session = useSession();
  const { path, search, flash } = useLocation();
  const { name, params } = match(path);
  const main = useRef(null);
  const first = useRef(true);
  const blocked = NEEDS_LOGIN.has(name) && !session;

  useEffect(() => {
    if (blocked) {
      // Replaced, not pushed: "back" from the login screen does not bounce here again.
      navigate(`/login?next=${encodeURIComponent(path)}`, "Please log in first.", {
        replace: true,
      });
    }
  }, [blocked, path]);

  // A layout effect, so focus moves in the same frame the new screen is painted: a
  // deferred effect left a moment where the first keypresses went to the old focus.
  useLayoutEffect(() => {
    document.title = `${TITLES[name]} · videoshare`;
    // After a navigation, start keyboard and screen-reader users at the new screen.
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [path]);

  return html`
    <${Header} session=${session} route=${name} path=${path} />
    <main id="main" tabIndex="-1" ref=${main}>
      <${Notice} message=${flash} />
      ${blocked ? null : html`<${Screen} key=${path} route=${name} params=${params} search=${search} />`}
    </main>`;
}

render(html`<${App} />`, document.getElementById("app"));
