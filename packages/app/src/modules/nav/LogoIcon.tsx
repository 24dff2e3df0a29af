import { TrellisMark } from './TrellisMark';

/** The collapsed sidebar's logo. */
export const LogoIcon = () => <TrellisMark size={32} />;
