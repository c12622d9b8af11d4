// Downloads through `GET /v1/videos/{id}/download`, which answers a redirect to a presigned URL
// that makes the browser save the file.
import { accessToken, ApiError, problemOf } from "./api.js";

export function downloadPath(videoId, rendition) {
  return `/v1/videos/${videoId}/download?rendition=${encodeURIComponent(rendition)}`;
}

/**
 * A private video needs the bearer token, which a plain link cannot send: ask with fetch,
 * take the presigned address it was redirected to, stop reading, and let the browser go there
 * (the answer says "attachment", so the page stays where it is).
 */
export async function downloadWithToken(videoId, rendition) {
  const token = await accessToken();
  const controller = new AbortController();
  let response;
  try {
    response = await fetch(downloadPath(videoId, rendition), {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: controller.signal,
    });
  } catch {
    throw new ApiError(0, "The download could not start; check your connection and try again.");
  }
  if (!response.ok) throw await problemOf(response);
  controller.abort();
  location.assign(response.url);
}
