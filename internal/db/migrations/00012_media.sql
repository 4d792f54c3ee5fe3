-- +goose Up
-- Onboarding media (videos, policy PDFs): kept outside the event log, named
-- by the SHA-256 of the content; events refer to them by that hash. Stored
-- in 1 MiB chunks so an upload and a byte-range read never hold a whole
-- video in memory. Not a read model: rebuilds never touch these tables.
CREATE TABLE media_blobs (
    sha256       text PRIMARY KEY,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    duration_ms  bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL
);
CREATE TABLE media_chunks (
    sha256 text NOT NULL REFERENCES media_blobs (sha256) ON DELETE CASCADE ON UPDATE CASCADE,
    seq    int NOT NULL,
    data   bytea NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- Chunks are already compressed video or PDF: don't try again.
ALTER TABLE media_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
-- Which partner uploaded what: a partner's module may only use its own uploads.
CREATE TABLE media_uploads (
    partner_id  text NOT NULL,
    sha256      text NOT NULL REFERENCES media_blobs (sha256) ON DELETE CASCADE,
    filename    text NOT NULL DEFAULT '',
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (partner_id, sha256)
);

-- +goose Down
DROP TABLE media_uploads;
DROP TABLE media_chunks;
DROP TABLE media_blobs;
