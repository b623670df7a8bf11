REM The lighthouse keeper tells visitors about the tower.
USE KB "history"
TALK "Hello! Ask me anything about the old lighthouse."
HEAR question
FOR EACH line IN FIND "history", question
    TALK line
NEXT line
