package domain

// CognitoGroups are the user-pool groups: the CDK stack creates them in Amazon
// Cognito, shared/localcognito in cognito-local, and a token's cognito:groups claim
// lists the ones its user was in when the token was issued (adding a user to a
// group shows only in tokens issued afterwards). They are coarse labels; the
// permissions that count (moderator or admin of which city, candidate for which
// record) are per-city rows in the database.
var CognitoGroups = []string{"residents", "candidates", "moderators", "city_admins"}
