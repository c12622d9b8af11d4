// Pure helpers for showing numbers to people.

/** "1 view", "1,234 views". */
export function views(count) {
  const n = Number(count) || 0;
  return `${n.toLocaleString("en")} ${n === 1 ? "view" : "views"}`;
}

export function bytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function timeLeft(seconds) {
  if (!Number.isFinite(seconds)) return "estimating time left";
  if (seconds < 1) return "less than a second left";
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  return `${duration(seconds)} left`;
}

export function date(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Transfer speed over a sliding window of samples: bytes per second, and time left. */
export class Rate {
  constructor(windowMs = 3000) {
    this.windowMs = windowMs;
    this.samples = [];
  }

  sample(loaded, now = performance.now()) {
    this.samples.push([now, loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > this.windowMs) {
      this.samples.shift();
    }
  }

  bytesPerSecond() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  secondsLeft(total) {
    const speed = this.bytesPerSecond();
    const last = this.samples.length ? this.samples[this.samples.length - 1][1] : 0;
    return speed > 0 ? (total - last) / speed : Infinity;
  }
}

export const STATUS_WORDS = {
  awaiting_upload: "waiting for the upload",
  uploaded: "uploaded, queued for processing",
  processing: "processing",
  ready: "ready",
  rejected: "rejected",
  failed: "failed",
  deleted: "deleted",
};

export const TERMINAL = new Set(["ready", "rejected", "failed", "deleted"]);

/** Statuses a video never leaves for "ready": its details are not worth editing. */
export const NEVER_PLAYS = new Set(["rejected", "failed"]);
