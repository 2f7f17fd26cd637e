# Mingjing — English interface text
site-name = Mingjing
site-tagline = Open enforcement and petitions portal
skip-to-content = Skip to main content
switch-language = 中文
nav-label = Main navigation
nav-home = Home
nav-procedures = Procedures
nav-staff = Staff sign-in
nav-public-site = Public site
nav-staff-procedures = Manage procedures
captcha-off-notice = Note: the captcha is switched off on this site (MINGJING_CAPTCHA=off). For local testing only.
footer-about = Mingjing publishes the legal basis, process and outcome of enforcement work and takes complaints, reports and litigation-related petitions. Every act is traced to the person responsible.
footer-api = Open data API (OpenAPI)

form-has-errors = There is a problem with what you entered
field-email = Email address
field-password = Password
field-category = Category
field-title_zh = Title in Chinese
field-title_en = Title in English
field-summary_zh = Summary in Chinese
field-summary_en = Summary in English (optional)
field-legal_basis = Legal basis
field-steps = Steps
field-time_limit = Time limit
field-materials = Required materials
field-fees = Fees
field-appeal = How to appeal
field-change_note = What changed (optional)
hint-legal_basis = One citation per line: name of the law | article, e.g. 《中华人民共和国国家赔偿法》 | 第二十二条. The article may be left out.
hint-steps = One step per line, in order.
hint-materials = One item per line; leave empty if nothing is needed.
choose-one = Choose one

pager-label = Pages
pager-previous = Previous page
pager-next = Next page
pager-status = Page { $page } of { $pages }

error-title-400 = Bad request
error-title-401 = Sign-in required
error-title-403 = Not allowed
error-title-404 = Page not found
error-title-405 = Not supported
error-title-409 = Changed meanwhile
error-title-413 = Too large
error-title-422 = There is a problem with what you entered
error-title-429 = Too many requests
error-title-500 = Something went wrong
error-title-503 = Service unavailable
error-back-home = Go to the home page
error-not-found = The page or record you asked for does not exist. It may have been removed, or the address may be wrong.
error-forbidden = You are not allowed to do this.
error-unauthorized = Please sign in first.
error-csrf = This form has expired or its origin could not be verified. Go back, reload the page and submit again.
error-payload-too-large = What you sent is larger than allowed. Please shorten it and try again.
error-too-many-requests = Too many requests. Please wait a moment and try again.
error-internal = Something went wrong on our side and the error has been recorded. Anything we confirmed as saved is safe. Please try again later.
error-method-not-allowed = This address does not support that kind of request.
error-bad-request = The request is malformed.
error-bad-form = The form could not be read. Please reload the page and fill it in again.
error-bad-json = The request body is not valid JSON, or a field has the wrong type.
error-bad-query = The query parameters are not valid.
error-required = This field is required.
error-too-long = This is too long; please shorten it.
error-too-many-lines = Too many lines (at most 50).
error-line-too-long = A line is too long (at most 500 characters per line).
error-choose-one = Choose one of the options.
error-citation-format = Each line must start with the name of a law or regulation, as: name | article.
error-email = Enter a valid email address, like name@example.cn.

home-title = Open enforcement, clear procedures
home-lead = Find the procedures of courts, procuratorates, public-security bureaus, justice bureaus and prisons: their legal basis, steps, time limits, required materials, fees and how to appeal.
search-procedures-label = Search procedures
search-button = Search
home-by-agency-type = Browse by type of agency
procedure-count = { $count ->
    [one] 1 procedure
   *[other] { $count } procedures
}
home-by-category = Browse by subject
home-principles-title = Our commitments
home-principle-open = Openness: the basis, process and outcome of enforcement are published.
home-principle-traced = Responsibility: every act is recorded against a post and a person.
home-principle-timely = Timeliness: every request is answered within its statutory time limit.

agency-type-court = Courts
agency-type-procuratorate = Procuratorates
agency-type-public_security = Public security
agency-type-justice_bureau = Justice bureaus
agency-type-prison = Prisons
agency-type-political_legal_committee = Political-legal committees

category-litigation = Litigation services
category-appeal = Appeals and complaints
category-compensation = State compensation and judicial assistance
category-penalty = Administrative penalties
category-reconsideration = Administrative reconsideration
category-legal_aid = Legal aid
category-supervision = Legal supervision
category-execution = Execution of sentences
category-traffic = Traffic
category-licensing = Certificates and licences
category-mediation = Mediation and notarisation
category-coercive = Coercive measures

procedures-title = Procedures
procedures-lead = Enforcement procedures and service guides published by the political-legal bodies.
filter-label = Filter procedures
filter-words = Words
filter-agency-type = Type of agency
filter-category = Subject
filter-all = All
filter-apply = Filter
procedures-found = { $count ->
    [one] 1 procedure found
   *[other] { $count } procedures found
}
procedures-none = No procedure matches. Try fewer filters or other words.
updated-on = Updated { $date }

breadcrumbs-label = You are here
published-by = Published by
version-line = Version { $version }, published { $date }
version-history-link = Version history
procedure-withdrawn-notice = This procedure was withdrawn on { $date } and no longer applies. It is kept for reference.
old-version-notice = You are reading version { $version }, an earlier version. The current version is { $current }.
read-current-version = Read the current version
procedure-summary = Summary
procedure-legal-basis = Legal basis
procedure-steps = Steps
procedure-time-limit = Time limit
procedure-materials = Required materials
procedure-no-materials = Nothing needs to be submitted.
procedure-fees = Fees
procedure-appeal = How to appeal
procedure-chinese-text-note = The legal basis and details are published in Chinese, which is authoritative.

history-title = Version history
history-lead = Every edit publishes a new version. Earlier versions are kept and can always be read.
history-version = Version
history-published = Published
history-title-col = Title
history-change-note = What changed
version-n = Version { $version }
history-current = current
history-no-note = none

signed-in-as = { $name }
role-intake_clerk = Intake clerk
role-handler = Handler
role-supervisor = Supervisor
role-auditor = Auditor
role-admin = Administrator
logout = Sign out

login-title = Staff sign-in
login-lead = For staff of the political-legal bodies only. The public can read every procedure without signing in.
login-button = Sign in
login-failed = The email address or password is not correct.
login-throttled = Too many failed attempts. Please try again in { $minutes } minutes.

staff-procedures-title = Manage procedures
flash-created = The procedure has been published.
flash-published = The new version has been published; earlier versions remain readable.
flash-withdrawn = The procedure has been withdrawn and is no longer listed.
flash-restored = The procedure has been published again.
staff-new-procedure = New procedure
staff-edit-procedure = Edit procedure
staff-edit-lead = Editing version { $version }. Saving publishes a new version; the earlier one is kept.
staff-version-conflict = While you were editing, a colleague published version { $current }. Your text is kept below; check the current version first. Publishing again replaces version { $current } with your text.
staff-read-only = Your role can read but not change procedures (a supervisor or administrator can).
staff-no-procedures = Your agency has not published any procedures yet.
staff-status = Status
staff-actions = Actions
status-published = Published
status-withdrawn = Withdrawn
staff-edit = Edit
staff-withdraw = Withdraw
staff-restore = Publish again
staff-publish = Publish
cancel = Cancel
