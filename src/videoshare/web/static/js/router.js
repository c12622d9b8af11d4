// Client-side routes (kept in step with CLIENT_PATHS in videoshare/web/routes.py).
import { useEffect, useState } from "./html.js";

const ROUTES = [
  ["/", "feed"],
  ["/login", "login"],
  ["/register", "register"],
  ["/forgot", "forgot"],
  ["/confirm", "confirm"],
  ["/account", "account"],
  ["/upload", "upload"],
  ["/library", "library"],
  ["/notifications", "notifications"],
  ["/videos/:id", "watch"],
  ["/videos/:id/edit", "edit"],
];

/** {name, params} for a path, or {name: "missing"}. */
export function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const [pattern, name] of ROUTES) {
    const wanted = pattern.split("/").filter(Boolean);
    if (wanted.length !== parts.length) continue;
    const params = {};
    const same = wanted.every((piece, i) => {
      if (piece.startsWith(":")) {
        params[piece.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return piece === parts[i];
    });
    if (same) return { name, params };
  }
  return { name: "missing", params: {} };
}

let flash = null;

/** Go to `path` without reloading; `message` is shown once on the next screen. */
export function navigate(path, message = null, { replace = false } = {}) {
  flash = message;
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  window.dispatchEvent(new Event("videoshare:navigate"));
}

function takeFlash() {
  const message = flash;
  flash = null;
  return message;
}

export function useLocation() {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener("popstate", update);
    window.addEventListener("videoshare:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("videoshare:navigate", update);
    };
  }, []);
  return location;
}

function currentLocation() {
  return {
    path: location.pathname,
    search: new URLSearchParams(location.search),
    flash: takeFlash(),
  };
}

/** A same-app link: an ordinary <a> (keyboard, middle click, copy link) that skips the reload. */
export function onLinkClick(event) {
  const anchor = event.currentTarget;
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href"));
}
