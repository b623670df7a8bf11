package indexer

// evalQuestion is a question of the search evaluation: what a bot user
// types, the document that answers it (the end of its path in
// ../shared/corpus) and a phrase the answering chunk holds. own: written
// in the document's words; otherwise paraphrased.
type evalQuestion struct {
	q, doc, phrase string
	own            bool
}

// evalQuestions were written for this harness from the corpus KB
// documents (not the hidden set).
var evalQuestions = []evalQuestion{
	{"What documents do I need to register?", "student-guide/student-guide.md", "Official transcripts from previous institutions", true},
	{"When is the FAFSA priority deadline?", "student-guide/student-guide.md", "FAFSA Priority Deadline: March 1", true},
	{"How do I change my major?", "student-guide/student-guide.md", "change of major form", true},
	{"minimum GPA for good academic standing", "student-guide/student-guide.md", "2.0 GPA", true},
	{"how to appeal a grade", "student-guide/student-guide.md", "formal grade appeal", true},
	{"Can I take a leave of absence?", "student-guide/student-guide.md", "leave of absence request", true},
	{"how much refund do I get if I withdraw in week 2", "student-guide/student-guide.md", "50% refund: Week 2", true},
	{"Is tutoring free?", "student-guide/student-guide.md", "Free tutoring available", true},
	{"how many years is a bachelor's degree", "student-guide/student-guide.md", "4 years, comprehensive education", true},
	{"who can register in the priority registration period", "student-guide/student-guide.md", "Seniors, Honors students", true},
	{"do I have to repay scholarships", "student-guide/student-guide.md", "Merit-based awards (no repayment)", true},
	{"student help email", "student-guide/student-guide.md", "studenthelp@institution.edu", true},
	{"campus wifi network", "student-guide/student-guide.md", "eduroam", true},
	{"accommodations for a disability", "student-guide/student-guide.md", "Contact Disability Services with documentation", true},
	{"how long until my transcript request is processed", "student-guide/student-guide.md", "Processing time: 3-5 business days", false},
	{"what happens if I miss a lot of classes", "student-guide/student-guide.md", "Excessive absences may affect grades", false},
	{"I need a doctor's note for being away from class a long time", "student-guide/student-guide.md", "Medical documentation may be required", false},
	{"what happens if I'm caught cheating", "student-guide/student-guide.md", "course failure or dismissal", false},
	{"can I pay tuition in installments", "student-guide/student-guide.md", "Spread payments across the term", false},
	{"will my company pay for my classes", "student-guide/student-guide.md", "Employer Reimbursement", false},
	{"can I study at another college at the same time", "student-guide/student-guide.md", "transient student form", false},
	{"classes I can follow at my own pace", "student-guide/student-guide.md", "Self-paced online", false},
	{"How long are daily backups kept?", "backup-guide/backup-guide.md", "Kept for 7 days", true},
	{"how often to back up critical business data", "backup-guide/backup-guide.md", "Critical business data", true},
	{"backup fails to start", "backup-guide/backup-guide.md", "Check storage space availability", true},
	{"how is backup integrity verified", "backup-guide/backup-guide.md", "MD5 checksums", true},
	{"how do I restore a file", "backup-guide/backup-guide.md", "Restore a file", true},
	{"can I keep working while the backup runs", "backup-guide/backup-guide.md", "handles file locking gracefully", false},
	{"the backup is taking forever", "backup-guide/backup-guide.md", "Schedule during off-peak hours", false},
	{"how long do we keep yearly copies", "backup-guide/backup-guide.md", "Kept for 7 years", false},
	{"can I leave some files out of the backup", "backup-guide/backup-guide.md", "exclusion patterns", false},
	{"How do I send an SMS?", "getting-started/getting-started.md", "Provide the phone number (with country code)", true},
	{"weather forecast for London", "getting-started/getting-started.md", "Weather forecast for London", true},
	{"how do I change the bot's colors and logo", "getting-started/getting-started.md", "to change colors, logo, and title", true},
	{"how to add a knowledge base to my bot", "getting-started/getting-started.md", "Adding Knowledge Base", true},
	{"does the bot remember what I told it earlier", "getting-started/getting-started.md", "maintains context within a session", false},
	{"which languages can it speak", "getting-started/getting-started.md", "English, Portuguese, Spanish, French, German", false},
	{"How do I check if a product is in stock?", "bling-erp-guide/bling-erp-guide.md", "Consultar estoque", true},
	{"how often should I sync inventory", "bling-erp-guide/bling-erp-guide.md", "at least daily", true},
	{"What is Bling?", "bling-erp-guide/bling-erp-guide.md", "Brazilian ERP", true},
	{"stock numbers differ between Bling and the bot", "bling-erp-guide/bling-erp-guide.md", "full inventory sync", false},
	{"can I track stock in several warehouses", "bling-erp-guide/bling-erp-guide.md", "Multi-warehouse Support", false},
	{"an order could not be processed", "bling-erp-guide/bling-erp-guide.md", "Verify product availability", false},
	{"how do I set a cell value in a spreadsheet", "docs/sheetlib.md", "SET CELL", true},
	{"save a sheet as an Excel file", "docs/sheetlib.md", "EXPORT SHEET TO", false},
	{"What is Auxiliom?", "auxiliom/auxiliom.pdf", "intelligent cognitive assistance", true},
	{"modular AI components for workflow automation", "toolbix/toolbix.pdf", "workflow automation", true},
	{"open-source help device", "docs/default.pdf", "open-source", true},
}
