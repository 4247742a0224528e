// The rules as plain data: policies/index.ts assembles them into the pack, and the
// tests run them directly (constructing a PolicyPack would start the policy server).
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { apiReplicasRollSafely } from "./apiReplicasRollSafely";
import { apiServiceRollsSafely } from "./apiServiceRollsSafely";
import { containerHealthcheck } from "./containerHealthcheck";
import { containerLimits } from "./containerLimits";
import { containerNoHostMounts } from "./containerNoHostMounts";
import { containerNoNewPrivileges } from "./containerNoNewPrivileges";
import { containerNonRoot } from "./containerNonRoot";
import { containerNotPrivileged } from "./containerNotPrivileged";
import { containerRestart } from "./containerRestart";
import { dataStoresInternal } from "./dataStoresInternal";
import { dataVolumesProtected } from "./dataVolumesProtected";
import { githubProductionEnvironment } from "./githubProductionEnvironment";
import { imagesPinned } from "./imagesPinned";
import { noPlainSecrets } from "./noPlainSecrets";
import { onlyGatewayPublishes } from "./onlyGatewayPublishes";

export const resourceRules: ResourceValidationPolicy[] = [
  imagesPinned, containerLimits, containerRestart, containerHealthcheck, containerNonRoot,
  containerNoNewPrivileges, containerNotPrivileged, containerNoHostMounts,
  apiReplicasRollSafely, apiServiceRollsSafely, dataVolumesProtected, noPlainSecrets, githubProductionEnvironment,
];

export const stackRules: StackValidationPolicy[] = [dataStoresInternal, onlyGatewayPublishes];

export const rules = [...resourceRules, ...stackRules];
