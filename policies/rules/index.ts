// The rules as plain data: policies/index.ts assembles them into the pack, and the
// tests run them directly (constructing a PolicyPack would start the policy server).
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { apiReplicasCreateBeforeDelete } from "./apiReplicasCreateBeforeDelete";
import { apiServiceRollsSafely } from "./apiServiceRollsSafely";
import { containerHealthcheck } from "./containerHealthcheck";
import { containerLimits } from "./containerLimits";
import { containerNoExtraPrivileges } from "./containerNoExtraPrivileges";
import { containerNoHostMounts } from "./containerNoHostMounts";
import { containerNoNewPrivileges } from "./containerNoNewPrivileges";
import { containerNonRoot } from "./containerNonRoot";
import { containerNotPrivileged } from "./containerNotPrivileged";
import { containerReadOnlyRoot } from "./containerReadOnlyRoot";
import { containerRestartPolicy } from "./containerRestartPolicy";
import { dataStoresInternalOnly } from "./dataStoresInternalOnly";
import { dataVolumesProtected } from "./dataVolumesProtected";
import { githubProductionEnvironmentGated } from "./githubProductionEnvironmentGated";
import { imagesPinned } from "./imagesPinned";
import { noPlainSecrets } from "./noPlainSecrets";
import { onlyGatewayPublishesPorts } from "./onlyGatewayPublishesPorts";

export const resourceRules: ResourceValidationPolicy[] = [
  imagesPinned,
  containerLimits,
  containerRestartPolicy,
  containerHealthcheck,
  containerNonRoot,
  containerNoNewPrivileges,
  containerNotPrivileged,
  containerNoExtraPrivileges,
  containerNoHostMounts,
  containerReadOnlyRoot,
  apiReplicasCreateBeforeDelete,
  apiServiceRollsSafely,
  dataVolumesProtected,
  noPlainSecrets,
  githubProductionEnvironmentGated,
];

export const stackRules: StackValidationPolicy[] = [dataStoresInternalOnly, onlyGatewayPublishesPorts];

export const rules = [...resourceRules, ...stackRules];
