/** Every string the portal shows, per language. `{name}` marks a placeholder. */
export interface Messages {
  readonly htmlTitle: string;
  readonly siteName: string;
  readonly skipToContent: string;
  readonly languageLabel: string;
  readonly intro: readonly string[];
  readonly chooseLegend: string;
  readonly emailOption: string;
  readonly phoneOption: string;
  readonly emailLabel: string;
  readonly emailHint: string;
  readonly countryLabel: string;
  readonly countryFilterLabel: string;
  readonly phoneLabel: string;
  readonly phoneHint: string;
  readonly continueButton: string;
  readonly challengeNote: string;
  readonly noScript: string;
  readonly errorSummaryHeading: string;
  readonly errEmailRequired: string;
  readonly errEmailInvalid: string;
  readonly errCountryRequired: string;
  readonly errPhoneRequired: string;
  readonly errPhoneInvalid: string;
  readonly errChallenge: string;
  readonly errRateLimited: string;
  readonly errTokenInvalid: string;
  readonly errOperator: string;
  readonly errBadRequest: string;
  readonly confirmHeading: string;
  readonly confirmEmailLabel: string;
  readonly confirmPhoneLabel: string;
  readonly confirmExplain: readonly string[];
  readonly confirmOtherChoices: string;
  readonly confirmOtherChoicesLink: string;
  readonly confirmButton: string;
  readonly confirmStartOver: string;
  readonly doneHeading: string;
  readonly doneText: string;
  readonly doneTip: string;
  readonly doneAgain: string;
  readonly privacyLink: string;
  readonly privacyHeading: string;
  readonly privacyBody: readonly string[];
  readonly backHome: string;
  readonly notFoundHeading: string;
  readonly notFoundText: string;
  readonly errorHeading: string;
}

/** Replaces `{name}` placeholders. */
export function format(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    values[name] === undefined ? m : String(values[name]),
  );
}
