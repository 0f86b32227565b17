//! One Diesel schema for both backends: only types SQLite and PostgreSQL share.
//! JSON documents (`body`, `hero_image`) are TEXT on both.

diesel::table! {
    sections (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    authors (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        bio -> Nullable<Text>,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        summary -> Text,
        section_id -> BigInt,
        hero_image -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reading_time_minutes -> Integer,
        views -> BigInt,
        version -> BigInt,
        sync_seq -> BigInt,
        public_slug -> Nullable<Text>,
        release_pending -> Bool,
        tag_list -> Nullable<Text>,
        author_list -> Nullable<Text>,
        reaction_list -> Nullable<Text>,
    }
}

// An article's body (JSON blocks), apart from the row lists read.
diesel::table! {
    article_bodies (article_id) {
        article_id -> BigInt,
        body -> Text,
    }
}

// `listed_at` and `views` repeat the article's listing keys (set by triggers):
// lists by tag walk this table in their order.
diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
        listed_at -> Nullable<Timestamp>,
        views -> BigInt,
    }
}

// As `article_tags`, for lists by author.
diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
        listed_at -> Nullable<Timestamp>,
        views -> BigInt,
    }
}

diesel::table! {
    article_reactions (article_id, kind) {
        article_id -> BigInt,
        kind -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    article_reads (id) {
        id -> BigInt,
        article_id -> BigInt,
        session_id -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    engagement_buckets (span, article_id, bucket_start) {
        span -> Integer,
        article_id -> BigInt,
        bucket_start -> Timestamp,
        views -> BigInt,
        reactions -> BigInt,
    }
}

diesel::table! {
    view_sessions (article_id, session_id) {
        article_id -> BigInt,
        session_id -> Text,
        counts_again_at -> Timestamp,
    }
}

diesel::table! {
    session_reactions (article_id, session_id, kind) {
        article_id -> BigInt,
        session_id -> Text,
        kind -> Text,
        reacted_at -> Timestamp,
    }
}

diesel::table! {
    instance (id) {
        id -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        key_id -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_revisions (article_id, number) {
        article_id -> BigInt,
        number -> BigInt,
        actor -> Text,
        action -> Text,
        created_at -> Timestamp,
        changed -> Text,
        snapshot -> Text,
    }
}

diesel::table! {
    article_redirects (slug) {
        slug -> Text,
        article_id -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        article_id -> Nullable<BigInt>,
        subject -> Text,
        detail -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> Text,
        event -> Text,
        payload -> Text,
        created_at -> Timestamp,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    content_version (id) {
        id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    engagement_version (id) {
        id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    sync_tombstones (article_id) {
        article_id -> BigInt,
        slug -> Text,
        seq -> BigInt,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    sync_horizon (id) {
        id -> BigInt,
        seq -> BigInt,
    }
}

diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(engagement_buckets -> articles (article_id));
diesel::joinable!(view_sessions -> articles (article_id));
diesel::joinable!(session_reactions -> articles (article_id));
diesel::joinable!(article_bodies -> articles (article_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_reactions -> articles (article_id));
diesel::joinable!(article_reads -> articles (article_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_redirects -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    sections,
    tags,
    authors,
    articles,
    article_bodies,
    article_tags,
    article_authors,
    article_reactions,
    article_reads,
    engagement_buckets,
    view_sessions,
    session_reactions,
    article_revisions,
    article_redirects,
    webhooks,
    webhook_deliveries,
);
