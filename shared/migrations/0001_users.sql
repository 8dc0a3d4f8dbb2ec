-- Accounts. Registration writes here synchronously: username uniqueness lives in the database.
-- avatar/background_image/signature are filled in by the user_profile_consumer after registration.
CREATE TABLE IF NOT EXISTS users (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    username         VARCHAR(32)     NOT NULL,
    password_hash    VARCHAR(255)    NOT NULL,
    avatar           VARCHAR(512)    NOT NULL DEFAULT '',
    background_image VARCHAR(512)    NOT NULL DEFAULT '',
    signature        VARCHAR(255)    NOT NULL DEFAULT '',
    created_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY uk_users_username (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
