REM Harbor office assistant: greets the visitor and routes the request.
USE KB "faq"
ADD TOOL "book-berth"

BEGIN SYSTEM PROMPT
You are the harbor office assistant. Answer from the harbor FAQ and
book berths with the book-berth tool. Be brief and polite.
END SYSTEM PROMPT

TALK "Welcome to the harbor office. How can I help you today?"
HEAR request AS STRING

IF request = "" THEN
    TALK "I did not catch that."
ELSEIF INSTR(LCASE(request), "berth") > 0 THEN
    TALK "I can book a berth for you."
ELSE
    answer = LLM "Answer briefly: " + request
    TALK answer
END IF
