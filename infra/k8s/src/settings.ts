/**
 * What differs between deployments (namespace, images, storage, the identity provider), from
 * K8S_* environment variables of `pnpm synth:k8s`, validated by zod: a wrong value stops the
 * synthesis with a message naming the variable. Secret values are never settings: the
 * manifests name Secrets, the operator creates them (README).
 */
import { z } from 'zod';
import { ConfigError } from '@cfund/service-kit';

const dnsLabel = z.string().trim().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits and -)');
const image = z.string().trim().regex(/^[\w.\-/:@]+$/, 'must be an image reference such as registry/name:tag');
const cidr = z.string().trim().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 203.0.113.0/24');
const https = z.url({ protocol: /^https$/ });

const SettingsShape = {
  K8S_NAMESPACE: dnsLabel.default('cfund'),
  /** The system's image: the workspace built under /app, the service chosen by the command (see APP_ROOT). */
  K8S_IMAGE: image.default('cfund:0.1.0'),
  K8S_KURRENTDB_IMAGE: image.default('docker.kurrent.io/kurrent-latest/kurrentdb:25.1.0'),
  K8S_NATS_IMAGE: image.default('nats:2.10.29-alpine'),
  /** Storage class of the per-instance volumes (event store, JetStream, read models); unset: the cluster's default. */
  K8S_STORAGE_CLASS: dnsLabel.optional(),
  K8S_KURRENTDB_STORAGE: z.string().trim().regex(/^\d+(Mi|Gi|Ti)$/, 'must be a size such as 100Gi').default('100Gi'),
  K8S_NATS_STORAGE: z.string().trim().regex(/^\d+(Mi|Gi|Ti)$/, 'must be a size such as 20Gi').default('20Gi'),
  /** The OpenID provider (its issuer, as in the tokens' iss). */
  K8S_OIDC_ISSUER: https.default('https://id.example.org/realms/cfund'),
  /** Its signing keys; default: Keycloak's path under the issuer. */
  K8S_JWKS_URL: https.optional(),
  K8S_OIDC_CLIENT_ID: z.string().trim().min(1).default('cfund-console'),
  K8S_JWT_AUDIENCE: z.string().trim().min(1).default('cfund'),
  K8S_JWT_ROLES_CLAIM: z.string().trim().min(1).default('realm_access.roles'),
  K8S_JWT_JURISDICTIONS_CLAIM: z.string().trim().min(1).default('jurisdictions'),
  /** Where people reach the console (its OIDC callback is registered under it). */
  K8S_CONSOLE_URL: https.default('https://cfund.example.org'),
  /** Addresses of the OpenID provider: the services may open HTTPS connections there only. */
  K8S_OIDC_CIDR: cidr.default('0.0.0.0/0'),
  /** The namespace of the ingress controller, the only way in from outside (to the console). */
  K8S_INGRESS_NAMESPACE: dnsLabel.default('ingress-nginx'),
};

export type Settings = ReturnType<typeof loadSettings>;

/** Reads the settings; throws ConfigError naming every wrong variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env) {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('K8S_') && v !== undefined && v !== ''));
  // Gone with the files of the key store (the services keep the victims' keys in NATS): say so rather than ignore it.
  if (cleaned.K8S_SHARED_STORAGE_CLASS) {
    throw new ConfigError('invalid settings: K8S_SHARED_STORAGE_CLASS: no longer used: the victims\' keys are kept in a NATS KV bucket (KEY_STORE=nats), not on a shared volume; unset it');
  }
  const parsed = z.object(SettingsShape).safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const s = parsed.data;
  return { ...s, K8S_JWKS_URL: s.K8S_JWKS_URL ?? `${s.K8S_OIDC_ISSUER.replace(/\/$/, '')}/protocol/openid-connect/certs` };
}

/** The in-cluster DNS name of a Service. */
export const serviceHost = (settings: Settings, service: string): string => `${service}.${settings.K8S_NAMESPACE}.svc.cluster.local`;
