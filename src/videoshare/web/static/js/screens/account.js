// The account's own screens: a forgotten password (a code, then a new password), the sign-up
// confirmation code (and sending it again), and, logged in, the password and deleting the
// account.
import { call, currentSession, endSession, sentence } from "../api.js";
import { html, useState } from "../html.js";
import { navigate } from "../router.js";
import { ConfirmDialog, ErrorLine, Field, Link, Notice } from "../ui.js";
import { credentialErrors, focusFirstError } from "../validate.js";

/** A form's busy flag and failure line around an async submit; `check` returns field errors. */
function useForm(check, order, action) {
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event?.preventDefault(); // the confirm dialog calls it without an event
    const found = check();
    setErrors(found);
    setFailure("");
    if (Object.keys(found).length) {
      focusFirstError(found, order);
      return;
    }
    setBusy(true);
    try {
      await action();
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setBusy(false);
    }
  }
  return { errors, failure, busy, submit };
}

function emailError(email) {
  return credentialErrors({ email, password: "x" }).email;
}

function newPasswordError(password) {
  return credentialErrors({ email: "a@b.cd", password }, { registering: true }).password;
}

function Input({ id, label, error, hint, type = "text", value, onValue, autocomplete }) {
  return html`<${Field} id=${id} label=${label} error=${error} hint=${hint}>
    ${(attrs) => html`<input ...${attrs} type=${type} autocomplete=${autocomplete} value=${value}
      onInput=${(e) => onValue(e.currentTarget.value)} />`}
  </${Field}>`;
}

const PASSWORD_HINT = "At least 8 characters, with a lowercase letter and a digit.";

export function ForgotScreen({ email: given }) {
  const [email, setEmail] = useState(given || "");
  const [sent, setSent] = useState(null); // the answer once a code was asked for
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const ask = useForm(
    () => (emailError(email) ? { email: emailError(email) } : {}),
    ["email"],
    async () => {
      const answer = await call("POST", "/v1/auth/password/forgot", {
        body: { email: email.trim() },
        auth: false,
      });
      setSent(answer);
      if (answer.code) setCode(answer.code); // local mode: nobody reads e-mail
    },
  );
  const reset = useForm(
    () => {
      const found = {};
      if (!code.trim()) found.code = "Enter the code we e-mailed you.";
      const weak = newPasswordError(password);
      if (weak) found.password = weak;
      return found;
    },
    ["code", "password"],
    async () => {
      await call("POST", "/v1/auth/password/reset", {
        body: { email: email.trim(), code: code.trim(), password },
        auth: false,
      });
      navigate("/login", "Your password is changed: log in with the new one.");
    },
  );
  if (!sent) {
    return html`<section class="narrow">
      <h1>Forgot your password?</h1>
      <p>We e-mail you a code; with it you choose a new password.</p>
      <form onSubmit=${ask.submit} noValidate>
        <${ErrorLine} message=${ask.failure} />
        <${Input} id="email" label="E-mail" type="email" autocomplete="email" value=${email}
          error=${ask.errors.email} onValue=${setEmail} />
        <button type="submit" disabled=${ask.busy}>${ask.busy ? "One moment…" : "Send the code"}</button>
      </form>
      <p><${Link} href="/login">Back to logging in</${Link}></p>
    </section>`;
  }
  return html`<section class="narrow">
    <h1>Choose a new password</h1>
    <${Notice} message=${sent.code
      ? "Local mode: nobody reads e-mail here, so the code is filled in for you."
      : `If ${email.trim()} has an account, a code is on its way there.`} />
    <form onSubmit=${reset.submit} noValidate>
      <${ErrorLine} message=${reset.failure} />
      <${Input} id="code" label="Code" autocomplete="one-time-code" value=${code}
        error=${reset.errors.code} onValue=${setCode} />
      <${Input} id="password" label="New password" type="password" autocomplete="new-password"
        value=${password} error=${reset.errors.password} hint=${PASSWORD_HINT}
        onValue=${setPassword} />
      <button type="submit" disabled=${reset.busy}>${reset.busy ? "One moment…" : "Set the password"}</button>
    </form>
  </section>`;
}

export function ConfirmScreen({ email: given }) {
  const [email, setEmail] = useState(given || "");
  const [code, setCode] = useState("");
  const [said, setSaid] = useState("");
  const confirm = useForm(
    () => {
      const found = {};
      if (emailError(email)) found.email = emailError(email);
      if (!code.trim()) found.code = "Enter the code we e-mailed you.";
      return found;
    },
    ["email", "code"],
    async () => {
      await call("POST", "/v1/auth/confirm", {
        body: { email: email.trim(), code: code.trim() },
        auth: false,
      });
      navigate("/login", "Your address is confirmed: log in.");
    },
  );
  const resend = useForm(
    () => (emailError(email) ? { email: emailError(email) } : {}),
    ["email"],
    async () => {
      setSaid("");
      await call("POST", "/v1/auth/resend-code", { body: { email: email.trim() }, auth: false });
      setSaid(`A new code is on its way to ${email.trim()}.`);
    },
  );
  const errors = { ...resend.errors, ...confirm.errors };
  return html`<section class="narrow">
    <h1>Confirm your e-mail address</h1>
    <p>We e-mailed you a code when you registered; enter it here.</p>
    <${Notice} message=${said} />
    <form onSubmit=${confirm.submit} noValidate>
      <${ErrorLine} message=${confirm.failure || resend.failure} />
      <${Input} id="email" label="E-mail" type="email" autocomplete="email" value=${email}
        error=${errors.email} onValue=${setEmail} />
      <${Input} id="code" label="Code" autocomplete="one-time-code" value=${code}
        error=${errors.code} onValue=${setCode} />
      <button type="submit" disabled=${confirm.busy}>${confirm.busy ? "One moment…" : "Confirm"}</button>
      <button type="button" class="link" disabled=${resend.busy} onClick=${resend.submit}>
        Send the code again</button>
    </form>
  </section>`;
}

export function AccountScreen() {
  const session = currentSession();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [changed, setChanged] = useState("");
  const [confirmPassword, setConfirmPassword] = useState("");
  const [asking, setAsking] = useState(false);
  const change = useForm(
    () => {
      const found = {};
      if (!current) found["current-password"] = "Enter your current password.";
      const weak = newPasswordError(password);
      if (weak) found["new-password"] = weak;
      return found;
    },
    ["current-password", "new-password"],
    async () => {
      setChanged("");
      await call("POST", "/v1/me/password", {
        body: { current_password: current, password },
      });
      setCurrent("");
      setPassword("");
      setChanged("Your password is changed.");
    },
  );
  const remove = useForm(
    () => (confirmPassword ? {} : { "delete-password": "Enter your password to confirm." }),
    ["delete-password"],
    async () => {
      setAsking(false);
      await call("DELETE", "/v1/me", { body: { password: confirmPassword } });
      endSession();
      navigate("/", "Your account is deleted; its videos go within a minute.");
    },
  );
  return html`<section class="narrow">
    <h1>Your account</h1>
    <p>Logged in as ${session?.email}.</p>
    <h2>Change the password</h2>
    <${Notice} message=${changed} />
    <form onSubmit=${change.submit} noValidate>
      <${ErrorLine} message=${change.failure} />
      <${Input} id="current-password" label="Current password" type="password"
        autocomplete="current-password" value=${current}
        error=${change.errors["current-password"]} onValue=${setCurrent} />
      <${Input} id="new-password" label="New password" type="password"
        autocomplete="new-password" value=${password} hint=${PASSWORD_HINT}
        error=${change.errors["new-password"]} onValue=${setPassword} />
      <button type="submit" disabled=${change.busy}>${change.busy ? "One moment…" : "Change password"}</button>
    </form>
    <h2>Delete the account</h2>
    <p>Your videos, notifications and webhook are deleted with it. This cannot be undone.</p>
    <form onSubmit=${(e) => { e.preventDefault(); setAsking(true); }} noValidate>
      <${ErrorLine} message=${remove.failure} />
      <${Input} id="delete-password" label="Your password" type="password"
        autocomplete="current-password" value=${confirmPassword}
        error=${remove.errors["delete-password"]} onValue=${setConfirmPassword} />
      <button type="submit" class="danger" disabled=${remove.busy}>Delete my account</button>
    </form>
    <${ConfirmDialog}
      open=${asking}
      title="Delete your account?"
      body="Every video of yours and everything kept for you will be deleted. This cannot be undone."
      confirmLabel="Delete for good"
      onConfirm=${remove.submit}
      onCancel=${() => setAsking(false)}
    />
  </section>`;
}
