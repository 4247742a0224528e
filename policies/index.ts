// The CrossGuard pack: `pulumi preview --policy-pack policies [--policy-pack-config policies/config/<stack>.json]`.
// Every rule is mandatory by default; a stack's config file may relax one (staging).
import { PolicyPack } from "@pulumi/policy";

import { rules } from "./rules";

new PolicyPack("taskflow", {
  enforcementLevel: "mandatory",
  policies: rules,
});
