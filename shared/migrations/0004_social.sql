-- Follows and chat messages, persisted by their consumer functions (Kafka write-behind).
-- follows keeps one row per (follower, followee) with the current state, versioned like favorites.
CREATE TABLE IF NOT EXISTS follows (
    follower_id BIGINT UNSIGNED NOT NULL,
    followee_id BIGINT UNSIGNED NOT NULL,
    following   TINYINT(1)      NOT NULL,
    followed_at BIGINT          NOT NULL COMMENT 'unix ms of the follow that is (or was last) in effect',
    version     BIGINT          NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    KEY idx_follows_followee (followee_id, following, followed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Messages: ids come from gophertok.ids and increase with time, so (created_at, id) orders a chat
-- even inside one millisecond.
CREATE TABLE IF NOT EXISTS messages (
    id           BIGINT UNSIGNED NOT NULL,
    from_user_id BIGINT UNSIGNED NOT NULL,
    to_user_id   BIGINT UNSIGNED NOT NULL,
    content      VARCHAR(1000)   NOT NULL,
    created_at   BIGINT          NOT NULL COMMENT 'unix milliseconds',
    PRIMARY KEY (id),
    KEY idx_messages_pair (from_user_id, to_user_id, created_at, id),
    KEY idx_messages_inbox (to_user_id, from_user_id, created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
