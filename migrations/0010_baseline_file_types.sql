-- Baselines record what each covered path is, as AIDE's `ftype` and `lname` attributes do:
-- its type as lstat reports it (a link is a link) and, for a symbolic link, its target as
-- written. A change of either is drift. Rows recorded before this migration held only regular
-- files (the old scan skipped anything else), so they read as 'file' without a target.
ALTER TABLE baseline_files ADD COLUMN ftype TEXT NOT NULL DEFAULT 'file'
    CHECK (ftype IN ('file', 'directory', 'symlink', 'fifo', 'socket', 'block_device',
                     'char_device', 'unknown'));
ALTER TABLE baseline_files ADD COLUMN lname TEXT CHECK (lname IS NULL OR ftype = 'symlink');
