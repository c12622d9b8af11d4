// Checks made before anything is sent (the API checks again): each returns {field: sentence}.
export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 5000;
export const MAX_TAGS = 20;
export const MAX_TAG = 40;
export const MIN_PASSWORD = 8;

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;

export function credentialErrors({ email, password }, { registering = false } = {}) {
  const errors = {};
  if (!email.trim()) errors.email = "Enter your e-mail address.";
  else if (!EMAIL.test(email.trim())) errors.email = "This is not an e-mail address.";
  if (!password) errors.password = "Enter your password.";
  else if (registering && password.length < MIN_PASSWORD) {
    errors.password = `Use at least ${MIN_PASSWORD} characters.`;
  } else if (registering && !(/[a-z]/.test(password) && /[0-9]/.test(password))) {
    errors.password = "Use at least one lowercase letter and one digit.";
  }
  return errors;
}

export function detailsErrors({ title, description, tags }) {
  const errors = {};
  if (!title.trim()) errors.title = "Give the video a title.";
  else if (title.trim().length > MAX_TITLE) {
    errors.title = `Keep the title under ${MAX_TITLE} characters.`;
  }
  if (description.length > MAX_DESCRIPTION) {
    errors.description = `Keep the description under ${MAX_DESCRIPTION} characters.`;
  }
  if (tags.length > MAX_TAGS) errors.tags = `Use at most ${MAX_TAGS} tags.`;
  else if (tags.some((tag) => tag.length > MAX_TAG)) {
    errors.tags = `Keep each tag under ${MAX_TAG} characters.`;
  }
  return errors;
}

/** `container`: what sniff.js read in the file's first bytes (null: not a video we take). */
export function fileErrors(file, contentType, container) {
  if (!file) return { file: "Choose a video file." };
  if (file.size === 0) return { file: "This file is empty; choose another." };
  if (!contentType.startsWith("video/") || container === null) {
    return { file: `“${file.name}” does not look like a video; choose a video file.` };
  }
  return {};
}

/** Focus the first field with an error, so keyboard and screen-reader users land on it. */
export function focusFirstError(errors, order) {
  const first = order.find((name) => errors[name]);
  if (first) document.getElementById(first)?.focus();
}
