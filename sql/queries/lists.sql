-- Category lists: versions, import, rollback, search.

-- name: category_id
-- A category's id by slug. $1 slug.
SELECT id FROM categories WHERE slug = $1;

-- name: list_create
-- A new, not yet active list version. $1 category id, $2 source, $3 format, $4 who, $5 domains, $6 urls,
-- $7 duplicates, $8 invalid, $9 unsupported, $10 the domains one per line (bytea). Returns id.
INSERT INTO category_lists
       (category_id, source, format, imported_by, domains, urls, duplicates, invalid, unsupported, names)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id;

-- name: list_deactivate
-- Deactivates a category's active list (first half of a swap; the unique index allows one active). $1 category id.
UPDATE category_lists SET active = false WHERE category_id = $1 AND active;

-- name: list_activate
-- Activates one list version. $1 list id.
UPDATE category_lists SET active = true WHERE id = $1;

-- name: list_prune
-- Drops versions older than the one kept for rollback. $1 category id, $2 the active list id.
DELETE FROM category_lists
 WHERE category_id = $1 AND id <> $2
   AND id < (SELECT max(id) FROM category_lists WHERE category_id = $1 AND id <> $2);

-- name: list_previous
-- The version a rollback returns to: the newest inactive one. $1 category id.
SELECT id, source, imported_at FROM category_lists
 WHERE category_id = $1 AND NOT active ORDER BY id DESC LIMIT 1;

-- name: list_summaries
-- Every category with its active list (NULLs when none) and whether a rollback is possible. No parameters.
SELECT c.slug, c.name_id, c.name_en, c.default_action,
       l.source, l.format, l.imported_at, l.imported_by, l.domains, l.urls, l.duplicates, l.invalid,
       l.unsupported,
       EXISTS (SELECT 1 FROM category_lists p WHERE p.category_id = c.id AND NOT p.active) AS can_roll_back
  FROM categories c
  LEFT JOIN category_lists l ON l.category_id = c.id AND l.active
 ORDER BY c.slug;

-- name: list_search
-- Active lists holding a domain or one of its parents. $1 candidate domains (the host and its parents).
SELECT c.slug, d.domain
  FROM list_domains d
  JOIN category_lists l ON l.id = d.list_id AND l.active
  JOIN categories c ON c.id = l.category_id
 WHERE d.domain = ANY ($1::text[])
 ORDER BY length(d.domain) DESC, c.slug;

-- name: active_list_names
-- The domains of each category's active list, one per line, for the proxy's snapshot. No parameters.
SELECT category_id, names FROM category_lists WHERE active ORDER BY category_id;

-- name: active_list_urls
-- Every URL entry (host/path) of every active list with its category id, for the proxy. No parameters.
SELECT u.url, l.category_id
  FROM list_urls u JOIN category_lists l ON l.id = u.list_id AND l.active;

-- name: active_list_domains_for
-- The active list entries among a host and its parents, with category ids. $1 candidate domains.
SELECT d.domain, l.category_id
  FROM list_domains d JOIN category_lists l ON l.id = d.list_id AND l.active
 WHERE d.domain = ANY ($1::text[]);

-- name: active_list_urls_for
-- The active URL entries of one host. $1 host.
SELECT u.url, l.category_id
  FROM list_urls u JOIN category_lists l ON l.id = u.list_id AND l.active
 WHERE starts_with(u.url, $1 || '/');
