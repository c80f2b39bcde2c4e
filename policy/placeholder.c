/* Removed once the policy module lands. */
int lc_policy_placeholder_(void);
int lc_policy_placeholder_(void) { return 0; }
