// Log in and register.
import { login, register, sentence } from "../api.js";
import { html, useState } from "../html.js";
import { navigate } from "../router.js";
import { ErrorLine, Field, Link } from "../ui.js";
import { credentialErrors, focusFirstError } from "../validate.js";

function CredentialsForm({ registering, onSubmit, submitLabel }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const found = credentialErrors({ email, password }, { registering });
    setErrors(found);
    setFailure("");
    if (Object.keys(found).length) {
      focusFirstError(found, ["email", "password"]);
      return;
    }
    setBusy(true);
    try {
      await onSubmit({ email: email.trim(), password, displayName: displayName.trim() });
    } catch (error) {
      setFailure(sentence(error));
    } finally {
      setBusy(false);
    }
  }

  return html`<form onSubmit=${submit} noValidate>
    <${ErrorLine} message=${failure} />
    <${Field} id="email" label="E-mail" error=${errors.email}>
      ${(attrs) => html`<input ...${attrs} type="email" autocomplete="email" value=${email}
        onInput=${(e) => setEmail(e.currentTarget.value)} />`}
    </${Field}>
    <${Field} id="password" label="Password" error=${errors.password}
      hint=${registering ? "At least 8 characters, with a lowercase letter and a digit." : ""}>
      ${(attrs) => html`<input ...${attrs} type="password"
        autocomplete=${registering ? "new-password" : "current-password"} value=${password}
        onInput=${(e) => setPassword(e.currentTarget.value)} />`}
    </${Field}>
    ${registering &&
    html`<${Field} id="display-name" label="Display name (optional)">
      ${(attrs) => html`<input ...${attrs} type="text" autocomplete="nickname" maxlength="100"
        value=${displayName} onInput=${(e) => setDisplayName(e.currentTarget.value)} />`}
    </${Field}>`}
    <button type="submit" disabled=${busy}>${busy ? "One moment…" : submitLabel}</button>
  </form>`;
}

export function LoginScreen({ next }) {
  return html`<section class="narrow">
    <h1>Log in</h1>
    <${CredentialsForm}
      submitLabel="Log in"
      onSubmit=${async ({ email, password }) => {
        await login(email, password);
        navigate(next || "/library");
      }}
    />
    <p><${Link} href="/forgot">Forgot your password?</${Link}></p>
    <p>New here? <${Link} href="/register">Create an account</${Link}>.
      Have a code? <${Link} href="/confirm">Confirm your address</${Link}>.</p>
  </section>`;
}

export function RegisterScreen() {
  return html`<section class="narrow">
    <h1>Create an account</h1>
    <${CredentialsForm}
      registering
      submitLabel="Create account"
      onSubmit=${async ({ email, password, displayName }) => {
        const created = await register(email, password, displayName);
        if (created && created.confirmed === false) {
          navigate(
            `/confirm?email=${encodeURIComponent(email)}`,
            "Account created: confirm it with the code we e-mailed you.",
          );
          return;
        }
        await login(email, password);
        navigate("/upload", "Welcome! Your account is ready: upload your first video.");
      }}
    />
    <p>Have an account? <${Link} href="/login">Log in</${Link}>.</p>
  </section>`;
}
