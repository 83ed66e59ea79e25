-- CivicQ demo data: the fictional city of Riverton, Oregon, its May 2027 ballot and a
-- past election, plus a second small city (Lakeview, Washington) so that city scoping
-- can be seen and tested. People, places and measures are invented.
--
-- Loaded by demo.Load as one multi-statement query: PostgreSQL runs it as a single
-- implicit transaction, so it applies entirely or not at all. Do not add BEGIN/COMMIT
-- (a caller may already be inside a transaction). Every row has a fixed id and
-- ON CONFLICT (id) DO NOTHING, so loading it again changes nothing.
--
-- Id scheme (all valid UUIDv4 layouts): c1... cities, e1... elections, c2... contests,
-- ca... candidates, d1... measures, b1... users, f1... questions, f2... question versions,
-- e2... reports, a1... moderation log.
-- The ids used by other packages are exported as constants in demo.go.

-- Cities ------------------------------------------------------------------------------

INSERT INTO cities (id, slug, name, state, timezone, moderation_mode) VALUES
    ('c1000000-0000-4000-8000-000000000001', 'riverton', 'Riverton', 'OR', 'America/Los_Angeles', 'pre'),
    ('c1000000-0000-4000-8000-000000000002', 'lakeview', 'Lakeview', 'WA', 'America/Los_Angeles', 'auto')
ON CONFLICT (id) DO NOTHING;

-- Users -------------------------------------------------------------------------------
-- Subjects are placeholders for the identity provider's "sub"; emails use the reserved
-- .example domain.

INSERT INTO users (id, subject, email, email_verified, display_name, home_city_id) VALUES
    ('b1000000-0000-4000-8000-000000000001', 'demo-resident', 'maria.alvarez@riverton.example', true,
        'Maria Alvarez', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000002', 'demo-newcomer', 'jordan.reyes@riverton.example', false,
        'Jordan Reyes', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000003', 'demo-moderator', 'sam.okafor@riverton.example', true,
        'Sam Okafor', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000004', 'demo-city-admin', 'priya.raman@riverton.example', true,
        'Priya Raman', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000005', 'demo-candidate', 'dana@whitfieldformayor.example', true,
        'Dana Whitfield', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000006', 'demo-lakeview-moderator', 'lee.ostrander@lakeview.example', true,
        'Lee Ostrander', 'c1000000-0000-4000-8000-000000000002'),
    -- Claimed Marcus Bell's candidate record; the claim waits for the city admin.
    ('b1000000-0000-4000-8000-000000000007', 'demo-claimant', 'marcus@bellshardware.example', true,
        'Marcus Bell', 'c1000000-0000-4000-8000-000000000001'),
    ('b1000000-0000-4000-8000-000000000008', 'demo-neighbor', 'ana.lima@riverton.example', true,
        'Ana Lima', 'c1000000-0000-4000-8000-000000000001')
ON CONFLICT (id) DO NOTHING;

INSERT INTO user_roles (user_id, city_id, role, granted_at) VALUES
    ('b1000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001', 'moderator', '2026-09-01 16:00:00+00'),
    ('b1000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001', 'city_admin', '2026-09-01 16:00:00+00'),
    ('b1000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001', 'moderator', '2026-09-01 16:00:00+00'),
    ('b1000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000002', 'moderator', '2026-09-15 16:00:00+00')
ON CONFLICT DO NOTHING;

-- Elections ---------------------------------------------------------------------------

INSERT INTO elections (id, city_id, name, election_date, status) VALUES
    ('e1000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'Riverton Municipal Election', '2027-05-18', 'upcoming'),
    ('e1000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'Riverton Special Election', '2025-11-04', 'past'),
    ('e1000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000002',
        'Lakeview General Election', '2027-11-02', 'upcoming')
ON CONFLICT (id) DO NOTHING;

-- Contests ----------------------------------------------------------------------------

INSERT INTO contests (id, city_id, election_id, kind, title, description, seats, display_order) VALUES
    ('c2000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'race', 'Mayor',
        'The mayor presides over the City Council, proposes the annual budget and represents Riverton. Four-year term, nonpartisan.',
        1, 0),
    ('c2000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'race', 'City Council, District 1',
        'Represents the Northgate and Old Mill neighborhoods north of the Willow River. Four-year term, nonpartisan.',
        1, 1),
    ('c2000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'race', 'City Council, District 3',
        'Represents Southside, Riverbend and the airport industrial area. Four-year term, nonpartisan.',
        1, 2),
    ('c2000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'race', 'Riverton School Board, Position 4',
        'One of five seats on the board of the Riverton School District, which serves about 7,400 students. Four-year term, nonpartisan.',
        1, 3),
    ('c2000000-0000-4000-8000-000000000005', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'measure', 'Measure A: Parks and Library Levy',
        'A five-year local option property tax levy for park maintenance and library hours.',
        1, 4),
    ('c2000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000001', 'measure', 'Measure B: Ranked-Choice Voting',
        'A charter amendment to elect the mayor and city councilors by ranked-choice voting.',
        1, 5),
    ('c2000000-0000-4000-8000-000000000007', 'c1000000-0000-4000-8000-000000000001',
        'e1000000-0000-4000-8000-000000000002', 'race', 'City Council, District 4 (Unexpired Term)',
        'Fills the remainder of a term ending December 2026 after the resignation of the District 4 councilor.',
        1, 0),
    ('c2000000-0000-4000-8000-000000000008', 'c1000000-0000-4000-8000-000000000002',
        'e1000000-0000-4000-8000-000000000003', 'race', 'Mayor',
        'The mayor chairs the Lakeview City Council. Four-year term, nonpartisan.',
        1, 0)
ON CONFLICT (id) DO NOTHING;

-- Candidates --------------------------------------------------------------------------

INSERT INTO candidates (id, city_id, contest_id, name, party, ballot_designation, bio, website, display_order,
                        claimed_by_user_id, filing_id, verification, verified_at) VALUES
    -- Mayor
    ('ca000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'Dana Whitfield', NULL, 'Riverton City Councilor',
        'Dana Whitfield has represented District 2 on the Riverton City Council since 2019 and chairs its budget committee. Before running for office she spent fifteen years as a nurse manager at Riverton General Hospital. She lives in the Eastbank neighborhood with her partner and their two teenagers.',
        'https://whitfieldformayor.example', 0,
        'b1000000-0000-4000-8000-000000000005', 'RIV-2027-MAY-001', 'verified', '2026-10-06 17:30:00+00'),
    ('ca000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'Marcus Bell', NULL, 'Small business owner',
        'Marcus Bell owns Bell''s Hardware on Front Street, which his grandfather opened in 1962. He served six years on the Riverton Planning Commission and coaches youth soccer at Confluence Park. He says his first priorities would be faster permits and repaving the city''s worst streets.',
        NULL, 1, 'b1000000-0000-4000-8000-000000000007', 'RIV-2027-MAY-002', 'pending', NULL),
    ('ca000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'Elena Vasquez-Ruiz', NULL, 'Housing nonprofit director',
        'Elena Vasquez-Ruiz directs Riverton Community Housing, which has built or preserved 240 affordable homes since 2014. She grew up in Riverton, studied public policy at Portland State University and came home to run its tenant services program. She also serves on the county''s homelessness task force.',
        NULL, 2, NULL, NULL, 'unclaimed', NULL),
    -- City Council, District 1
    ('ca000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'James Park', NULL, 'Retired fire battalion chief',
        'James Park served 28 years with Riverton Fire & Rescue and retired as a battalion chief in 2024. He started the department''s smoke-day shelter program and its free community CPR classes. He has volunteered with the Northgate Neighborhood Association for a decade.',
        NULL, 0, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000005', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'Aisha Rahman', NULL, 'Software engineer/parent',
        'Aisha Rahman is a software engineer at a Riverton medical-device maker and the parent of two students at Northgate Elementary. She organized the neighbors who won a protected bike lane on 9th Avenue in 2025. She wants the city to publish its budget in plain language, online and in Spanish.',
        NULL, 1, NULL, NULL, 'unclaimed', NULL),
    -- City Council, District 3
    ('ca000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000003', 'Tom Kowalski', NULL, 'Riverton City Councilor',
        'Tom Kowalski has represented District 3 since 2023 and sits on the council''s public safety and transportation committees. A millwright by trade, he worked at the Riverton paper mill until it closed in 2018 and then retrained as a city building inspector.',
        NULL, 0, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000007', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000003', 'Grace Liu', NULL, 'Community pharmacist',
        'Grace Liu has run the pharmacy at Southside Market for twelve years. As chair of the Southside Neighborhood Association she led the push for a signaled crosswalk on River Road. She is running on street safety and keeping a walk-in clinic open south of the river.',
        NULL, 1, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000008', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000003', 'Bobby Nguyen', NULL, 'Restaurant owner',
        'Bobby Nguyen opened Pho River in 2011 and now employs 22 people at two locations. He serves on the Riverton Downtown Association board and helped start its summer night market. He wants to clear the business-license backlog and add public restrooms downtown.',
        NULL, 2, NULL, NULL, 'unclaimed', NULL),
    -- School Board, Position 4
    ('ca000000-0000-4000-8000-000000000009', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000004', 'Linda Osei', NULL, 'Retired mathematics teacher',
        'Linda Osei taught mathematics at Riverton High School for 31 years and coached its robotics team. Since retiring in 2022 she has tutored students at the public library three afternoons a week. She is running to raise math proficiency and to keep class sizes under 28.',
        NULL, 0, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000010', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000004', 'Kevin Brandt', NULL, 'Accountant/parent',
        'Kevin Brandt is a certified public accountant and the father of three students in Riverton schools. He served four years on the district budget committee and chaired the citizens'' oversight panel for the 2024 school bond. He says families deserve a clear account of how bond money is spent.',
        NULL, 1, NULL, NULL, 'unclaimed', NULL),
    -- Past election: City Council, District 4 (Unexpired Term)
    ('ca000000-0000-4000-8000-000000000011', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000007', 'Harold Jensen', NULL, 'Retired letter carrier',
        'Harold Jensen delivered mail in Riverton''s west side for 30 years. He has served on the city''s budget committee as a citizen member since 2020.',
        NULL, 0, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000012', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000007', 'Monique Carter', NULL, 'Child care center owner',
        'Monique Carter runs Little Otters Early Learning, a child care center licensed for 60 children. She co-founded the Westside Parents Network and has testified before the council on child care zoning.',
        NULL, 1, NULL, NULL, 'unclaimed', NULL),
    -- Lakeview: Mayor
    ('ca000000-0000-4000-8000-000000000013', 'c1000000-0000-4000-8000-000000000002',
        'c2000000-0000-4000-8000-000000000008', 'Sarah Lindqvist', NULL, 'Lakeview City Councilmember',
        'Sarah Lindqvist has served on the Lakeview City Council since 2021 and works as a physical therapist. She led the council''s work on the new lakeshore trail and wants to finish the downtown sewer upgrade on budget.',
        NULL, 0, NULL, NULL, 'unclaimed', NULL),
    ('ca000000-0000-4000-8000-000000000014', 'c1000000-0000-4000-8000-000000000002',
        'c2000000-0000-4000-8000-000000000008', 'Omar Haddad', NULL, 'Ferry captain',
        'Omar Haddad has captained the Lakeview-Port Orchard passenger ferry for nine years. He chairs the Lakeview Harbor Commission and says the city needs a plan for year-round ferry service and harbor parking.',
        NULL, 1, NULL, NULL, 'unclaimed', NULL)
ON CONFLICT (id) DO NOTHING;

-- Measures ----------------------------------------------------------------------------

INSERT INTO measures (id, city_id, contest_id, number, title, full_text, summary, fiscal_note, pro_argument, con_argument) VALUES
    ('d1000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000005', 'Measure A',
        'Five-Year Local Option Levy for Parks and Library Services',
        'Question: Shall Riverton levy $0.48 per $1,000 of assessed value for parks and library operations for five years beginning in 2027-2028? This measure may cause property taxes to increase more than three percent.

Section 1. Levy. The City of Riverton is authorized to levy a local option tax of $0.48 per $1,000 of assessed value for five years, beginning with the fiscal year starting July 1, 2027, outside the limitations of Section 11b, Article XI of the Oregon Constitution.

Section 2. Use of proceeds. Proceeds shall be used only to operate and maintain city parks, natural areas and the Riverton Public Library, including staffing of library hours, youth and senior programs, restroom and playground repair, and removal of invasive plants along the Willow River greenway. Proceeds shall not be used for the purchase of land.

Section 3. Accountability. The Parks and Library Advisory Board shall review the expenditure of levy proceeds and publish an annual report to the City Council and the public. The levy proceeds shall be accounted for in a separate fund and audited each year by an independent auditor.

Section 4. Expiration. The levy expires on June 30, 2032, unless renewed by the voters.',
        'Measure A would add a property tax of 48 cents per $1,000 of assessed value for five years to pay for park maintenance and library operations. The library would reopen on Sundays and Mondays, and the city would hire four park maintenance staff. Money would be kept in a separate fund, audited yearly, and reported on by a citizen advisory board.',
        'The levy is estimated to raise $2.9 million in 2027-2028 and about $15.6 million over five years. For a home with the median assessed value of $246,000, the cost is about $118 per year ($9.84 per month). Because of property tax compression, actual collections could be up to 6 percent lower than estimated.',
        'Our parks and library are where Riverton meets. Since 2020 the library has cut its hours by a quarter and three playgrounds have been closed for repairs. Measure A costs the typical homeowner less than $10 a month, every dollar stays in a separate audited fund, and it ends after five years unless voters renew it. Vote yes to reopen the library on Sundays and fix the parks our kids use. (Submitted by Friends of the Riverton Library and the Riverton Youth Sports Alliance.)',
        'Riverton homeowners already face rising water, sewer and county taxes, and renters will see this levy passed on in their rent. The city should fund core services like parks and the library from its general fund before asking for more. The city found $1.2 million for a new City Hall parking structure last year; it can find the money for library hours too. Vote no and tell the council to set priorities. (Submitted by Riverton Taxpayers for Accountable Budgets.)'),
    ('d1000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000006', 'Measure B',
        'Charter Amendment: Ranked-Choice Voting for Mayor and City Council',
        'Question: Shall the Riverton City Charter be amended to elect the mayor and city councilors by ranked-choice voting beginning with the 2028 general election?

Section 1. Chapter III, Section 14 of the Riverton City Charter is amended to read: "The mayor and each councilor shall be elected by ranked-choice voting. Each voter may rank candidates for an office in order of preference. If no candidate receives a majority of first-choice votes, the candidate with the fewest votes is eliminated and each ballot counts for its highest-ranked remaining candidate, until one candidate receives a majority of the votes counted."

Section 2. The City Council shall by ordinance adopt procedures for ties, write-in candidates and the public reporting of each round of tabulation, consistent with state law.

Section 3. Effective date. This amendment applies to elections held on or after January 1, 2028. Until then, the current plurality method continues to apply.',
        'Measure B would change how Riverton elects its mayor and councilors. Voters could rank candidates in order of preference. If no one wins more than half of the first choices, the last-place candidate is eliminated and those ballots count for their next choice, round by round, until one candidate has a majority. It would start with the 2028 elections.',
        'The County Elections Office estimates one-time costs of $85,000 for voter education and tabulation software, shared between the city and the county, and ongoing costs of about $12,000 per election for the city. No new tax is proposed; costs would be paid from the general fund.',
        'In 2024, two of Riverton''s four council seats were won with less than 40 percent of the vote. Ranked-choice voting makes sure the winner has majority support and lets you vote for the candidate you like best without worrying about splitting the vote. Portland, Benton County and dozens of cities already use it. Vote yes for majority winners. (Submitted by Riverton Voters for Majority Rule.)',
        'Ranked ballots are harder to fill out and slower to count, and results can take a week or more. Studies show that more ballots are set aside as incomplete under ranked-choice voting, which falls hardest on older and first-time voters. Riverton''s current system is simple and everyone understands it. Vote no. (Submitted by Keep Riverton Voting Simple.)')
ON CONFLICT (id) DO NOTHING;

-- Questions ---------------------------------------------------------------------------
-- Approved questions in the mayor race by the demo resident. No vote rows, so the
-- counters are 0/0 (counters always equal the vote rows).

INSERT INTO questions (id, city_id, contest_id, author_id, text, context, tags, normalized_text, status,
                       upvotes, downvotes, rank, created_at, updated_at) VALUES
    ('f1000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'b1000000-0000-4000-8000-000000000001',
        'Rents in Riverton went up 30% in four years. What specifically would you do in your first year to keep people housed?',
        NULL, '{housing}',
        'rents in riverton went up 30 in four years what specifically would you do in your first year to keep people housed',
        'approved', 0, 0, 0, '2026-11-02 17:05:00+00', '2026-11-02 17:05:00+00'),
    ('f1000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'b1000000-0000-4000-8000-000000000001',
        'River Road has had two pedestrian deaths since 2024. Will you fund the crosswalk and sidewalk plan, and from which budget?',
        'The 2025 safety study estimated the full plan at $4.2 million.', '{transportation,safety}',
        'river road has had two pedestrian deaths since 2024 will you fund the crosswalk and sidewalk plan and from which budget',
        'approved', 0, 0, 0, '2026-11-03 02:40:00+00', '2026-11-03 02:40:00+00'),
    ('f1000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'b1000000-0000-4000-8000-000000000001',
        'Do you support Measure A, the parks and library levy? Why or why not?',
        NULL, '{parks,taxes}',
        'do you support measure a the parks and library levy why or why not',
        'approved', 0, 0, 0, '2026-11-04 15:22:00+00', '2026-11-04 15:22:00+00'),
    ('f1000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000001', 'b1000000-0000-4000-8000-000000000001',
        'How would you make city budget decisions easier for residents to follow and weigh in on?',
        NULL, '{budget,transparency}',
        'how would you make city budget decisions easier for residents to follow and weigh in on',
        'approved', 0, 0, 0, '2026-11-05 19:48:00+00', '2026-11-05 19:48:00+00')
ON CONFLICT (id) DO NOTHING;

-- The public moderation log: the approval of Dana Whitfield's claim and of each demo question.
INSERT INTO moderation_actions (id, city_id, actor_id, actor_role, action, target_type, target_id,
                                reason_code, reason_text, created_at) VALUES
    ('a1000000-0000-4000-8000-000000000005', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000004', 'city_admin', 'approve_claim', 'candidate',
        'ca000000-0000-4000-8000-000000000001', 'filing-matched',
        'Filing RIV-2027-MAY-001 matches the City Recorder''s candidate list.', '2026-10-06 17:30:00+00'),
    ('a1000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000001', 'meets-guidelines', NULL, '2026-11-02 18:10:00+00'),
    ('a1000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000002', 'meets-guidelines', NULL, '2026-11-03 15:02:00+00'),
    ('a1000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000003', 'meets-guidelines', NULL, '2026-11-04 16:30:00+00'),
    ('a1000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000004', 'meets-guidelines', NULL, '2026-11-05 21:15:00+00')
ON CONFLICT (id) DO NOTHING;

-- The moderation desk, in the District 1 race: two pending questions, two near
-- duplicates with overlapping voters (merge them to see votes move once), a rejected
-- question its author may appeal, a question with two open reports (one more hides
-- it) and one already hidden by three; plus one report of a mayor-race question.
-- Counters equal the vote rows.

INSERT INTO questions (id, city_id, contest_id, author_id, text, context, tags, normalized_text, status,
                       rejection_code, rejection_reason, hidden, upvotes, downvotes, rank, created_at, updated_at) VALUES
    ('f1000000-0000-4000-8000-000000000005', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000001',
        'Old Mill has a dozen empty storefronts on Front Street. What would you do to fill them?',
        NULL, '{economy}',
        'old mill has a dozen empty storefronts on front street what would you do to fill them',
        'pending', NULL, NULL, false, 1, 0, civicq_wilson(1, 0), '2026-11-20 18:00:00+00', '2026-11-20 18:00:00+00'),
    ('f1000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000008',
        'Should the city open a library branch in Northgate, and how would you pay for it?',
        NULL, '{libraries,budget}',
        'should the city open a library branch in northgate and how would you pay for it',
        'pending', NULL, NULL, false, 1, 0, civicq_wilson(1, 0), '2026-11-21 09:30:00+00', '2026-11-21 09:30:00+00'),
    ('f1000000-0000-4000-8000-000000000007', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000001',
        'Will you support extending the protected bike lanes on 9th Avenue north to the river?',
        NULL, '{transportation}',
        'will you support extending the protected bike lanes on 9th avenue north to the river',
        'approved', NULL, NULL, false, 3, 0, civicq_wilson(3, 0), '2026-11-10 16:00:00+00', '2026-11-10 16:00:00+00'),
    ('f1000000-0000-4000-8000-000000000008', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000008',
        'Do you support more protected bike lanes like the one on 9th Avenue?',
        NULL, '{transportation}',
        'do you support more protected bike lanes like the one on 9th avenue',
        'approved', NULL, NULL, false, 2, 1, civicq_wilson(2, 1), '2026-11-12 20:15:00+00', '2026-11-12 20:15:00+00'),
    ('f1000000-0000-4000-8000-000000000009', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000001',
        'Which candidate do you think has the worst haircut in this race?',
        NULL, '{}',
        'which candidate do you think has the worst haircut in this race',
        'rejected', 'off-topic', 'Questions should be about what the candidates would do in office, not their looks.',
        false, 1, 0, civicq_wilson(1, 0), '2026-11-14 22:05:00+00', '2026-11-15 08:00:00+00'),
    ('f1000000-0000-4000-8000-000000000010', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000008',
        'How will you speed up the response times of the Northgate fire station?',
        NULL, '{safety}',
        'how will you speed up the response times of the northgate fire station',
        'approved', NULL, NULL, false, 1, 0, civicq_wilson(1, 0), '2026-11-16 17:40:00+00', '2026-11-16 17:40:00+00'),
    ('f1000000-0000-4000-8000-000000000011', 'c1000000-0000-4000-8000-000000000001',
        'c2000000-0000-4000-8000-000000000002', 'b1000000-0000-4000-8000-000000000008',
        'Why do the council members keep ignoring the people who live in Old Mill?',
        NULL, '{}',
        'why do the council members keep ignoring the people who live in old mill',
        'approved', NULL, NULL, true, 1, 0, civicq_wilson(1, 0), '2026-11-17 12:00:00+00', '2026-11-18 10:00:00+00')
ON CONFLICT (id) DO NOTHING;

INSERT INTO question_versions (id, city_id, question_id, version, text, edited_by, created_at)
SELECT ('f2' || substr(q.id::text, 3))::uuid, q.city_id, q.id, 1, q.text, q.author_id, q.created_at
FROM questions q
WHERE q.id IN ('f1000000-0000-4000-8000-000000000005', 'f1000000-0000-4000-8000-000000000006',
               'f1000000-0000-4000-8000-000000000007', 'f1000000-0000-4000-8000-000000000008',
               'f1000000-0000-4000-8000-000000000009', 'f1000000-0000-4000-8000-000000000010',
               'f1000000-0000-4000-8000-000000000011')
ON CONFLICT (id) DO NOTHING;

-- Authors' own up-votes, and the voters of the two bike-lane questions: Maria voted
-- on both (her vote stays on the target of a merge), Ana and Marcus only on the
-- duplicate (theirs move).
INSERT INTO votes (city_id, question_id, user_id, value, created_at) VALUES
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000005', 'b1000000-0000-4000-8000-000000000001', 1, '2026-11-20 18:00:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000006', 'b1000000-0000-4000-8000-000000000008', 1, '2026-11-21 09:30:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000007', 'b1000000-0000-4000-8000-000000000001', 1, '2026-11-10 16:00:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000007', 'b1000000-0000-4000-8000-000000000003', 1, '2026-11-10 19:12:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000007', 'b1000000-0000-4000-8000-000000000004', 1, '2026-11-11 07:45:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000008', 'b1000000-0000-4000-8000-000000000008', 1, '2026-11-12 20:15:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000008', 'b1000000-0000-4000-8000-000000000001', 1, '2026-11-13 08:02:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000008', 'b1000000-0000-4000-8000-000000000007', -1, '2026-11-13 11:30:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000009', 'b1000000-0000-4000-8000-000000000001', 1, '2026-11-14 22:05:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000010', 'b1000000-0000-4000-8000-000000000008', 1, '2026-11-16 17:40:00+00'),
    ('c1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000011', 'b1000000-0000-4000-8000-000000000008', 1, '2026-11-17 12:00:00+00')
ON CONFLICT DO NOTHING;

INSERT INTO reports (id, city_id, reporter_id, target_type, target_id, reason, details, created_at) VALUES
    ('e2000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000001', 'question', 'f1000000-0000-4000-8000-000000000010',
        'off-topic', 'The fire district is run by the county, not the council.', '2026-11-19 09:00:00+00'),
    ('e2000000-0000-4000-8000-000000000002', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000007', 'question', 'f1000000-0000-4000-8000-000000000010',
        'misinformation', '', '2026-11-19 14:30:00+00'),
    ('e2000000-0000-4000-8000-000000000003', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000001', 'question', 'f1000000-0000-4000-8000-000000000011',
        'harassment', '', '2026-11-17 20:00:00+00'),
    ('e2000000-0000-4000-8000-000000000004', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000007', 'question', 'f1000000-0000-4000-8000-000000000011',
        'harassment', '', '2026-11-18 06:10:00+00'),
    ('e2000000-0000-4000-8000-000000000005', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000005', 'question', 'f1000000-0000-4000-8000-000000000011',
        'other', 'It is a complaint, not a question.', '2026-11-18 10:00:00+00'),
    ('e2000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000008', 'question', 'f1000000-0000-4000-8000-000000000001',
        'other', 'The 30% figure needs a source.', '2026-11-21 11:00:00+00')
ON CONFLICT (id) DO NOTHING;

INSERT INTO moderation_actions (id, city_id, actor_id, actor_role, action, target_type, target_id,
                                reason_code, reason_text, created_at) VALUES
    ('a1000000-0000-4000-8000-000000000006', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000007', 'meets-guidelines', NULL, '2026-11-10 17:00:00+00'),
    ('a1000000-0000-4000-8000-000000000007', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000008', 'meets-guidelines', NULL, '2026-11-12 21:00:00+00'),
    ('a1000000-0000-4000-8000-000000000008', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'reject', 'question',
        'f1000000-0000-4000-8000-000000000009', 'off-topic',
        'Questions should be about what the candidates would do in office, not their looks.', '2026-11-15 08:00:00+00'),
    ('a1000000-0000-4000-8000-000000000009', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000004', 'city_admin', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000010', 'meets-guidelines', NULL, '2026-11-16 18:30:00+00'),
    ('a1000000-0000-4000-8000-000000000010', 'c1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000003', 'moderator', 'approve', 'question',
        'f1000000-0000-4000-8000-000000000011', 'meets-guidelines', NULL, '2026-11-17 13:00:00+00'),
    ('a1000000-0000-4000-8000-000000000011', 'c1000000-0000-4000-8000-000000000001',
        NULL, 'system', 'hide', 'question',
        'f1000000-0000-4000-8000-000000000011', 'report-threshold', NULL, '2026-11-18 10:00:00+00')
ON CONFLICT (id) DO NOTHING;
