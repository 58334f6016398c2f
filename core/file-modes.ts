/**
 * file-modes: the data dir is private to the user that runs the relay. Mail
 * addresses and subjects (mail.log, the spool, state.json) and the control
 * token must not be readable by other local users.
 *
 * Owns: the modes (files 0600, directories 0700).
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
