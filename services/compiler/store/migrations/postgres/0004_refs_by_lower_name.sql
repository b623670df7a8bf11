-- A tool or KB that appears or goes re-checks the scripts naming it
-- (Store.Referrers): found through this index, not by reading every
-- reference of the bot.
CREATE INDEX refs_bot_kind_lower_name ON refs (bot, kind, lower(name));
