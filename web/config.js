// Where the API lives. "" = the origin that served this page (the local API serves both).
// A static deployment (CloudFront in front of the media bucket) rewrites this file: `make web-deploy`.
export const API_BASE = "";
