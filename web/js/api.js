// The Douyin contract over fetch: form-encoded parameters, the token as a parameter, the JSON envelope.
import { API_BASE } from "../config.js";
import { session } from "./session.js";

const AUTH_CODES = new Set([20000, 20001, 20002, 20003]);

// Ids are int64 and many exceed 2^53, which a JS number cannot hold: keep those as their exact digits
// (JSON.parse hands revivers the source text of each value).
function exactIntegers(key, value, context) {
  if (typeof value === "number" && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? "")) {
    return context.source;
  }
  return value;
}

export const sameId = (a, b) => a !== undefined && a !== null && String(a) === String(b);

export class ApiError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
  get isAuth() {
    return AUTH_CODES.has(this.statusCode);
  }
}

export class NetworkError extends Error {}

const listeners = { auth: [], network: [], online: [] };
export function on(event, listener) {
  listeners[event].push(listener);
}
function emit(event, detail) {
  for (const listener of listeners[event]) listener(detail);
}

// Requests are numbered so that an answer to a request sent before the network failed does not
// declare the network back.
let requestsSent = 0;
let lastFailedRequest = 0;

async function send(method, path, params, { auth = true } = {}) {
  const number = ++requestsSent;
  const fields = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null) fields.set(name, String(value));
  }
  if (auth && session.token) fields.set("token", session.token);
  const url = API_BASE + path;
  let response;
  try {
    response = method === "GET"
      ? await fetch(`${url}?${fields}`, { headers: { Accept: "application/json" } })
      : await fetch(url, { method, body: fields, headers: { Accept: "application/json" } });
  } catch (error) {
    lastFailedRequest = Math.max(lastFailedRequest, number);
    emit("network", error);
    throw new NetworkError("network unreachable");
  }
  let body;
  try {
    body = JSON.parse(await response.text(), exactIntegers);
  } catch {
    lastFailedRequest = Math.max(lastFailedRequest, number);
    emit("network", new Error(`HTTP ${response.status}`));
    throw new NetworkError(`the server answered HTTP ${response.status}`);
  }
  if (number > lastFailedRequest) emit("online");
  if (response.status >= 500) {
    throw new ApiError(body.status_code, body.status_msg || "the server had a problem, please retry");
  }
  if (body.status_code !== 0) {
    const error = new ApiError(body.status_code, body.status_msg || "request failed");
    if (error.isAuth && auth && session.token) emit("auth", error);
    throw error;
  }
  return body;
}

// GETs are safe to retry: wait for the network to come back instead of failing the view.
async function get(path, params, options) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send("GET", path, params, options);
    } catch (error) {
      if (!(error instanceof NetworkError) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
    }
  }
}

const post = (path, params, options) => send("POST", path, params, options);

export const api = {
  register: (username, password) => post("/douyin/user/register/", { username, password }, { auth: false }),
  login: (username, password) => post("/douyin/user/login/", { username, password }, { auth: false }),
  user: (userId) => get("/douyin/user/", { user_id: userId }).then((body) => body.user),
  feed: (latestTime) => get("/douyin/feed/", { latest_time: latestTime }),
  publishList: (userId) => get("/douyin/publish/list/", { user_id: userId }).then((body) => body.video_list),
  favoriteList: (userId) => get("/douyin/favorite/list/", { user_id: userId }).then((body) => body.video_list),
  like: (videoId, liked) => post("/douyin/favorite/action/", { video_id: videoId, action_type: liked ? 1 : 2 }),
  comments: (videoId) => get("/douyin/comment/list/", { video_id: videoId }).then((body) => body.comment_list),
  addComment: (videoId, text) =>
    post("/douyin/comment/action/", { video_id: videoId, action_type: 1, comment_text: text }).then((b) => b.comment),
  deleteComment: (videoId, commentId) =>
    post("/douyin/comment/action/", { video_id: videoId, action_type: 2, comment_id: commentId }),
  follow: (userId, following) => post("/douyin/relation/action/", { to_user_id: userId, action_type: following ? 1 : 2 }),
  following: (userId) => get("/douyin/relation/follow/list/", { user_id: userId }).then((body) => body.user_list),
  followers: (userId) => get("/douyin/relation/follower/list/", { user_id: userId }).then((body) => body.user_list),
  friends: (userId) => get("/douyin/relation/friend/list/", { user_id: userId }).then((body) => body.user_list),
  sendMessage: (userId, content) => post("/douyin/message/action/", { to_user_id: userId, action_type: 1, content }),
  chat: (userId, preMsgTime) =>
    send("GET", "/douyin/message/chat/", { to_user_id: userId, pre_msg_time: preMsgTime }).then((b) => b.message_list),
  uploadUrl: (title, contentType, size) =>
    post("/douyin/publish/upload_url/", { title, content_type: contentType, size }),
};

// A direct PUT to the presigned URL, reporting progress (fetch cannot report upload progress).
export function putFile(ticket, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(ticket.method, ticket.upload_url);
    for (const [name, value] of Object.entries(ticket.headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new Error(`the upload was refused (HTTP ${request.status})`));
    request.onerror = () => reject(new NetworkError("the upload lost its connection"));
    request.send(file);
  });
}
