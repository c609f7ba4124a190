/** Types of ntp-server.mjs (the program the lab runs as its NTP server), for the tests that import its reply. */
export declare const NTP_UNIX_OFFSET: number;
/** The reply to one NTP request (48 bytes), or null for anything but a client request. */
export declare function ntpReply(request: Uint8Array, nowMs: number): Uint8Array | null;
