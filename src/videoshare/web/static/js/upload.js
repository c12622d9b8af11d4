// Sending a file's bytes where the API said: one presigned PUT, or presigned multipart parts
// in parallel, each retried on its own, then `…/upload/complete`. Progress counts bytes that
// reached S3; a cancel aborts every request in flight.
import { call } from "./api.js";

const PARALLEL_PARTS = 4;
const PART_ATTEMPTS = 4;
// Headers a page may not set itself (the browser does).
const FORBIDDEN = new Set(["content-length", "host", "connection"]);

export class UploadCancelled extends Error {
  constructor() {
    super("The upload was cancelled.");
  }
}

export class UploadFailed extends Error {}

/**
 * Upload `file` as `upload` (the API's Upload object) says.
 * onProgress(loadedBytes) is called as bytes go out; `signal` cancels.
 */
export async function sendFile(videoId, file, upload, { onProgress, signal }) {
  if (upload.method === "PUT") {
    await putBytes(upload.url, file, upload.headers || {}, signal, onProgress);
    onProgress(file.size);
    return;
  }
  if (upload.method !== "MULTIPART") {
    throw new UploadFailed(`The server asked for an upload method this page does not know.`);
  }
  const etags = await sendParts(file, upload, signal, onProgress);
  const parts = [...etags.entries()]
    .sort(([a], [b]) => a - b)
    .map(([part_number, etag]) => ({ part_number, etag }));
  await call("POST", `/v1/videos/${videoId}/upload/complete`, { body: { parts } });
}

async function sendParts(file, upload, signal, onProgress) {
  const loaded = new Map();
  const etags = new Map();
  const queue = [...upload.parts];
  const report = () => {
    let sum = 0;
    for (const value of loaded.values()) sum += value;
    onProgress(sum);
  };
  async function worker() {
    while (queue.length) {
      const part = queue.shift();
      const start = (part.part_number - 1) * upload.part_size;
      const blob = file.slice(start, Math.min(start + upload.part_size, file.size));
      etags.set(part.part_number, await sendPart(part, blob, signal, (n) => {
        loaded.set(part.part_number, n);
        report();
      }));
    }
  }
  const workers = Array.from({ length: Math.min(PARALLEL_PARTS, queue.length) }, worker);
  await Promise.all(workers);
  return etags;
}

async function sendPart(part, blob, signal, onLoaded) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const etag = await putBytes(part.url, blob, {}, signal, onLoaded);
      if (!etag) {
        throw new UploadFailed(
          "The storage did not return the part's ETag; its CORS rule must expose ETag.",
        );
      }
      onLoaded(blob.size);
      return etag;
    } catch (error) {
      onLoaded(0);
      const retryable = !(error instanceof UploadCancelled) && !(error instanceof UploadFailed);
      if (!retryable || attempt >= PART_ATTEMPTS) {
        if (retryable) {
          throw new UploadFailed(
            `Part ${part.part_number} could not be sent after ${attempt} attempts; ` +
              "check your connection and try again.",
          );
        }
        throw error;
      }
      await pause(500 * 2 ** (attempt - 1) * (0.5 + Math.random()), signal);
    }
  }
}

/** One PUT through XMLHttpRequest (fetch has no upload progress); resolves to the ETag. */
function putBytes(url, body, headers, signal, onLoaded) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UploadCancelled());
      return;
    }
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort, { once: true });
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onLoaded(event.loaded);
    xhr.onload = () => {
      signal.removeEventListener("abort", abort);
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("ETag"));
      else if (xhr.status >= 500 || xhr.status === 408 || xhr.status === 429) {
        reject(new Error(`storage answered ${xhr.status}`)); // worth another try
      } else {
        reject(new UploadFailed(`The storage refused the upload (HTTP ${xhr.status}).`));
      }
    };
    xhr.onerror = () => {
      signal.removeEventListener("abort", abort);
      reject(new Error("network error"));
    };
    xhr.onabort = () => reject(new UploadCancelled());
    xhr.send(body);
  });
}

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new UploadCancelled());
      },
      { once: true },
    );
  });
}

const VIDEO_EXTENSIONS = {
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  mpg: "video/mpeg",
  mpeg: "video/mpeg",
  ts: "video/mp2t",
  "3gp": "video/3gpp",
};

/** The file's content type: what the browser says, else a guess from its extension. */
export function contentTypeOf(file) {
  if (file.type) return file.type;
  const extension = file.name.split(".").pop().toLowerCase();
  return VIDEO_EXTENSIONS[extension] || "application/octet-stream";
}
