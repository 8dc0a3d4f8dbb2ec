-- A user's followings newest first (the bounded following set, services/id_sets.py, reads the newest
-- WINDOW of them and pages below its floor by this index; the primary key alone needed a filesort of all).
ALTER TABLE follows ADD KEY idx_follows_follower (follower_id, following, followed_at);
