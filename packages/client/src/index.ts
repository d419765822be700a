/** Version of the Node.js UID2 SDK, sent as X-UID2-Client-Version. */
export const CLIENT_VERSION = '0.1.0';
