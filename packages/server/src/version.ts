/** Version of the uid2 server package. */
export const VERSION = '0.1.0';
