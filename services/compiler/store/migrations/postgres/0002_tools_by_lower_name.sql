-- A compile checks the tools its dialog references by name, without case
-- (Store.ActiveToolNames): found through this index, not by reading every
-- tool of the bot.
CREATE INDEX tools_bot_lower_name ON tools (bot, lower(name));
