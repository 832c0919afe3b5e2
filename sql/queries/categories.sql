-- Categories: their default action (the proxy reloads through the categories trigger).

-- name: category_set_default_action
-- Sets a category's default action. $1 slug, $2 action. Returns the action it had (no row when the
-- slug is unknown).
UPDATE categories c SET default_action = $2
  FROM (SELECT id, default_action FROM categories WHERE slug = $1 FOR UPDATE) old
 WHERE c.id = old.id
RETURNING old.default_action;
