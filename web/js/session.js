// Who is logged in, kept in localStorage so a reload keeps the session.
const KEY = "gophertok.session";

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || {};
  } catch {
    return {};
  }
}

export const session = {
  ...load(),
  get loggedIn() {
    return Boolean(this.token);
  },
  save(userId, token, name) {
    Object.assign(this, { userId, token, name });
    localStorage.setItem(KEY, JSON.stringify({ userId, token, name }));
  },
  clear() {
    Object.assign(this, { userId: null, token: null, name: null });
    localStorage.removeItem(KEY);
  },
};
