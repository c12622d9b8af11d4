// The player: HLS natively where the browser has it, through hls.js (loaded on demand) where it
// has Media Source Extensions instead, else MP4; a rendition can be chosen by hand. A video
// still processing plays too: its playlists are EVENT playlists that grow, so the player starts
// at the beginning (not at the live edge) and keeps loading what is added until they end.
import { html, useEffect, useRef, useState } from "./html.js";

// Kept in step with vendor/manifest.json (a test checks every /static/vendor/ path exists).
const HLS_MODULE = "/static/vendor/hls.js-1.7.4.mjs";
const HLS_TYPE = "application/vnd.apple.mpegurl";

/** MP4 renditions, largest first. */
function mp4s(video) {
  return [...(video.renditions || [])].sort((a, b) => b.height - a.height);
}

/** `onStart` is called once, when playback first starts (the page counts a view then). */
export function Player({ video, onStart }) {
  const ref = useRef(null);
  const started = useRef(false);
  const [choice, setChoice] = useState(video.hls_url ? "auto" : mp4s(video)[0]?.name || "");
  const [engine, setEngine] = useState("");

  useEffect(() => {
    const element = ref.current;
    const resumeAt = element.currentTime;
    const wasPlaying = !element.paused;
    let hls = null;
    let cancelled = false;
    let onNativeError = null;
    const resume = () => {
      if (resumeAt > 0) element.currentTime = resumeAt;
      if (wasPlaying) element.play().catch(() => {});
    };
    element.addEventListener("loadedmetadata", resume, { once: true });
    const playMp4 = (name) => {
      const rendition = mp4s(video).find((r) => r.name === name) || mp4s(video)[0];
      if (!rendition) return;
      setEngine(`MP4 ${rendition.name}`);
      element.src = rendition.url;
    };
    const playWithHlsJs = () =>
      import(HLS_MODULE)
        .then(({ default: Hls }) => {
          if (cancelled) return;
          if (!Hls.isSupported()) {
            playMp4("");
            return;
          }
          // No worker: a blob: worker would need a CSP exception. Captions are the <track>s
          // below for every engine, so hls.js does not add the master's subtitles again. From
          // the start, also while the playlists still grow (hls.js would start near their end).
          hls = new Hls({ enableWorker: false, enableWebVTT: false, startPosition: 0 });
          hls.on(Hls.Events.ERROR, (_event, data) => {
            if (data.fatal) {
              hls.destroy();
              hls = null;
              playMp4("");
            }
          });
          hls.loadSource(video.hls_url);
          hls.attachMedia(element);
          setEngine("HLS (hls.js)");
        })
        .catch(() => playMp4(""));
    if (choice === "auto" && video.hls_url) {
      if (element.canPlayType(HLS_TYPE)) {
        // "maybe" is not a promise: some builds claim HLS and then fail on the stream, so a
        // failure falls back to hls.js (and from there to MP4).
        onNativeError = () => {
          element.removeAttribute("src");
          if (!cancelled) playWithHlsJs();
        };
        element.addEventListener("error", onNativeError, { once: true });
        setEngine("HLS (native)");
        element.src = video.hls_url;
      } else {
        playWithHlsJs();
      }
    } else {
      playMp4(choice);
    }
    return () => {
      cancelled = true;
      element.removeEventListener("loadedmetadata", resume);
      if (onNativeError) element.removeEventListener("error", onNativeError);
      if (hls) hls.destroy();
    };
  }, [video.id, choice]);

  const options = mp4s(video);
  return html`<div class="player">
    <video ref=${ref} controls playsinline preload="metadata" poster=${video.poster_url || ""}
      onPlaying=${() => {
        if (started.current) return;
        started.current = true;
        if (onStart) onStart();
      }}
      aria-label=${`Video: ${video.title}`} data-engine=${engine}>
      ${(video.captions || []).filter((c) => c.url).map(
        (c) => html`<track kind="subtitles" src=${c.url} srclang=${c.language} label=${c.label} />`,
      )}
    </video>
    ${(options.length > 1 || video.hls_url) &&
    html`<p class="quality">
      <label for="rendition">Quality</label>
      <select id="rendition" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)}>
        ${video.hls_url && html`<option value="auto">Auto (adaptive)</option>`}
        ${options.map((r) => html`<option value=${r.name}>${r.name} · ${r.width}×${r.height}</option>`)}
      </select>
    </p>`}
  </div>`;
}
