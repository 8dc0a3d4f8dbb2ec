// Log in or create an account; either way the token is kept and the person lands where they were going.
import { api } from "../api.js";
import { h, showError } from "../dom.js";
import { session } from "../session.js";

export function renderLogin(container) {
  let mode = "login";
  const error = h("p.form-error", { role: "alert" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, maxLength: 32,
    placeholder: "Username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password",
    required: true, minLength: 6, maxLength: 32, placeholder: "Password (6–32 characters)" });
  const submit = h("button.primary", { type: "submit" }, "Log in");
  const switcher = h("button.link", { type: "button", onclick: () => setMode(mode === "login" ? "register" : "login") });

  function setMode(next) {
    mode = next;
    submit.textContent = mode === "login" ? "Log in" : "Sign up";
    switcher.textContent = mode === "login" ? "New here? Create an account" : "Have an account? Log in";
    password.autocomplete = mode === "login" ? "current-password" : "new-password";
    error.textContent = "";
  }

  async function onSubmit(event) {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const call = mode === "login" ? api.login : api.register;
      const body = await call(username.value, password.value);
      session.save(body.user_id, body.token, username.value);
      const next = new URLSearchParams(location.hash.split("?")[1] || "").get("next");
      location.hash = next && !next.startsWith("#/login") ? next : "#/feed";
    } catch (failure) {
      error.textContent = failure.message;
      if (!failure.statusCode) showError(failure);
    } finally {
      submit.disabled = false;
    }
  }

  setMode("login");
  container.append(
    h("section.auth",
      {},
      h("img.logo", { src: "icon.svg", alt: "" }),
      h("h1", {}, "GopherTok"),
      h("p.muted", {}, "Short videos from people you follow and people you will."),
      h("form.card", { onsubmit: onSubmit }, username, password, error, submit),
      switcher,
      h("a.link", { href: "#/feed" }, "Browse without an account"),
    ),
  );
  username.focus();
}
