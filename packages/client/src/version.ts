/** Version of the Node.js UID2 SDK, sent as `X-UID2-Client-Version: uid2-client-node-<version>`. */
export const CLIENT_VERSION = '0.1.0';
