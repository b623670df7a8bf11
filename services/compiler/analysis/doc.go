// Package analysis compiles a parsed BASIC dialog into what the platform
// needs to know about it: the tool it defines (from PARAM and DESCRIPTION,
// in both the MCP and the OpenAI function-calling forms) and the side
// effects it declares (schedules, webhooks, knowledge-base, tool and website
// references, table definitions), with diagnostics for invalid schedules and
// for references to tools or knowledge bases the bot does not have.
//
// Compile is the single entry point; it parses the source with package
// basic and never fails: problems are diagnostics in the Result.
package analysis
