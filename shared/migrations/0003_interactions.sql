-- Likes and comments, persisted by their consumer functions (Kafka write-behind).
-- favorites keeps one row per (user, video) with the current state; an unlike keeps the row with
-- liked = 0 so that a replayed or late older event cannot resurrect it (last writer by version wins).
CREATE TABLE IF NOT EXISTS favorites (
    user_id    BIGINT UNSIGNED NOT NULL,
    video_id   BIGINT UNSIGNED NOT NULL,
    liked      TINYINT(1)      NOT NULL,
    liked_at   BIGINT          NOT NULL COMMENT 'unix ms of the like that is (or was last) in effect',
    version    BIGINT          NOT NULL COMMENT 'ordering of the event that set this state',
    PRIMARY KEY (user_id, video_id),
    KEY idx_favorites_video (video_id, liked),
    KEY idx_favorites_user (user_id, liked, liked_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Comments: deleted_at is a tombstone so a replayed "added" event after "deleted" changes nothing.
CREATE TABLE IF NOT EXISTS comments (
    id         BIGINT UNSIGNED NOT NULL,
    video_id   BIGINT UNSIGNED NOT NULL,
    user_id    BIGINT UNSIGNED NOT NULL,
    content    VARCHAR(1000)   NOT NULL,
    created_at BIGINT          NOT NULL COMMENT 'unix milliseconds',
    deleted_at BIGINT          NULL,
    PRIMARY KEY (id),
    KEY idx_comments_video (video_id, deleted_at, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
