// The GitHub side of the release path: environments, their secrets, rulesets on main.
export * from "./githubEnvironments";
