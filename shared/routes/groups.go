package routes

// CognitoGroups are the user-pool groups. Like the route table they are read by
// both sides: the CDK stack creates them in Amazon Cognito and shared/localcognito
// in cognito-local. A token's cognito:groups claim lists the ones its user was in
// when the token was issued (joining a group shows only in later tokens). They are
// coarse labels; the permissions that count (moderator or admin of which city,
// candidate for which record) are per-city rows in the database, checked by the
// routes' Who rules.
var CognitoGroups = []string{"residents", "candidates", "moderators", "city_admins"}
