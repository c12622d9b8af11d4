// A video's status as it changes: server-sent events (`…/events?access_token=`), or polling
// when a stream cannot be had (too many open already, or the stream keeps failing).
// The server ends each stream after a while (API Gateway cuts at 30 s) with a `retry:` hint;
// the EventSource reconnects by itself with `Last-Event-ID` and the server says only what
// changed. A new EventSource (after a refused token) resumes with `?last_event_id=`.
import { accessToken, call } from "./api.js";
import { TERMINAL } from "./format.js";

// Browsers open at most six HTTP/1.1 connections per origin; keep most for everything else.
const MAX_STREAMS = 3;
const POLL_MS = 2000;
const MAX_STREAM_FAILURES = 3;
let openStreams = 0;

/** Calls onUpdate({status, progress, status_reason}) on each change; returns a stop function. */
export function followVideo(videoId, onUpdate) {
  let stopped = false;
  let source = null;
  let timer = null;
  let failures = 0;
  let holdsSlot = false;
  let lastEventId = "";

  const release = () => {
    if (holdsSlot) {
      holdsSlot = false;
      openStreams -= 1;
    }
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
    release();
  };
  const deliver = (update) => {
    if (stopped) return;
    onUpdate(update);
    if (TERMINAL.has(update.status)) stop();
  };

  async function poll() {
    if (stopped) return;
    try {
      const video = await call("GET", `/v1/videos/${videoId}`);
      deliver(video);
    } catch (error) {
      if (error.status === 404) deliver({ status: "deleted", status_reason: error.message });
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  async function stream() {
    if (stopped) return;
    if (!holdsSlot && openStreams >= MAX_STREAMS) {
      poll();
      return;
    }
    if (!holdsSlot) {
      holdsSlot = true;
      openStreams += 1;
    }
    let token = null;
    try {
      token = await accessToken();
    } catch {
      // the session ended (the app asks to log in); the stream goes without a token
    }
    if (stopped) return;
    const params = new URLSearchParams();
    if (token) params.set("access_token", token);
    if (lastEventId) params.set("last_event_id", lastEventId);
    const query = params.toString() ? `?${params}` : "";
    source = new EventSource(`/v1/videos/${videoId}/events${query}`);
    const onMessage = (event) => {
      failures = 0;
      if (event.lastEventId) lastEventId = event.lastEventId;
      try {
        deliver(JSON.parse(event.data));
      } catch {
        // a line we cannot read: the next one will do
      }
    };
    source.addEventListener("status", onMessage);
    source.addEventListener("progress", onMessage);
    source.onerror = () => {
      if (stopped || source.readyState !== EventSource.CLOSED) return; // it reconnects itself
      failures += 1;
      source = null;
      if (failures >= MAX_STREAM_FAILURES) {
        release();
        poll();
      } else {
        // Refused (an expired token, say): once more with a fresh token, after a breath.
        timer = setTimeout(stream, 500 * failures);
      }
    };
  }

  stream();
  return stop;
}
